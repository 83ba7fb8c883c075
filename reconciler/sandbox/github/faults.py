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
        self.holds = HoldBook()  # answers kept back: a slow GitHub, one request at a time

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


class Hold:
    """One request whose answer is held: GitHub has done what it asked, the client waits.

    `method` is an HTTP method, "*" for any or "WRITE" for any but GET and HEAD;
    `path` a regular expression searched in the decoded path; the `nth` matching
    request (from 1) is the one held. `reached` is set when it is; the answer goes
    out on `release()` (or after `timeout` seconds, so a test that fails never
    leaves a server thread behind).
    """

    def __init__(self, method: str, path: str, nth: int, timeout: float) -> None:
        re.compile(path)
        self.method, self.path, self.nth, self.timeout = method.upper(), path, nth, timeout
        self.seen = 0
        self.request: tuple[str, str] | None = None  # (method, path) of the held request
        self.reached = threading.Event()
        self._released = threading.Event()

    def matches(self, method: str, path: str) -> bool:
        if self.method == "WRITE":
            wanted = method not in {"GET", "HEAD"}
        else:
            wanted = self.method in {"*", method}
        return wanted and re.search(self.path, path) is not None

    def release(self) -> None:
        self._released.set()

    def keep(self) -> None:
        """In the server thread that carries the held answer: wait for `release()`."""
        self.reached.set()
        self._released.wait(self.timeout)


class HoldBook:
    def __init__(self) -> None:
        self._holds: list[Hold] = []
        self._lock = threading.Lock()

    def add(self, hold: Hold) -> None:
        with self._lock:
            self._holds.append(hold)

    def take(self, method: str, path: str) -> Hold | None:
        """The hold this arriving request is the `nth` match of, if any (counted on arrival)."""
        found = None
        with self._lock:
            for hold in self._holds:
                if hold.matches(method, path):
                    hold.seen += 1
                    if hold.seen == hold.nth and found is None:
                        hold.request = (method, path)
                        found = hold
        return found

    def release_all(self) -> None:
        with self._lock:
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.release()
