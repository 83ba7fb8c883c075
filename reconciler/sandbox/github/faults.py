"""Injected failures: matching rules, and the responses GitHub sends for each kind."""

from __future__ import annotations

import re
import threading

from reconciler.sandbox.github.http import ApiError
from reconciler.sandbox.github.ratelimit import SECONDARY_DOCS, SECONDARY_MESSAGE
from reconciler.sandbox.github.records import FaultRule

DEFAULT_RETRY_AFTER = 60


class FaultBook:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> None:
        re.compile(rule.path)  # fail at the call site on a bad pattern, not mid-request
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first live rule matching this request, counting one firing."""
        with self._lock:
            for rule in self._rules:
                if rule.fired >= rule.times:
                    continue
                if rule.method not in {"*", method.upper()}:
                    continue
                if re.search(rule.path, path):
                    if rule.skipped < rule.skip:
                        rule.skipped += 1
                        continue
                    rule.fired += 1
                    return rule
        return None


def fault_error(rule: FaultRule, request_id: str, authorization: str = "") -> ApiError:
    """The response for a rule that answers rather than dropping the connection.

    `authorization`: the request's Authorization header, for a message that echoes it.
    """
    retry = str(rule.retry_after if rule.retry_after is not None else DEFAULT_RETRY_AFTER)
    if rule.kind == "secondary_limit":
        return ApiError(
            403,
            SECONDARY_MESSAGE.format(rid=request_id),
            documentation_url=SECONDARY_DOCS,
            headers={"retry-after": retry},
        )
    if rule.kind == "too_many_requests":
        return ApiError(
            429,
            "You have exceeded a secondary rate limit and have been temporarily blocked "
            "from content creation. Please retry your request again later.",
            documentation_url=SECONDARY_DOCS,
            headers={"retry-after": retry},
        )
    headers = {"retry-after": str(rule.retry_after)} if rule.retry_after is not None else {}
    message = rule.message or ("Server Error" if rule.status >= 500 else "Injected fault")
    # "token X" or "Bearer X": the credential is what follows the scheme.
    message = message.replace("{credential}", authorization.partition(" ")[2])
    return ApiError(rule.status, message, headers=headers)
