"""Counting the requests a connection sent: the benchmarks' and tests' observer of the pacer.

Production keeps no record of its exchanges; a benchmark or test that counts
them gives its `Pacer` a `RequestLog` as observer (`logged(config)`), and
`log_of(conn)` finds it again.
"""

from __future__ import annotations

import threading
from collections import Counter

from reconciler.github import GitHubConnection, Pacer, PacerConfig, RequestEvent


class RequestLog:
    """Every exchange a pacer let through, by `METHOD /path`, retries apart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[RequestEvent] = []

    def __call__(self, event: RequestEvent) -> None:
        with self._lock:
            self._events.append(event)

    @property
    def events(self) -> tuple[RequestEvent, ...]:
        with self._lock:
            return tuple(self._events)

    @property
    def total(self) -> int:
        """Logical requests, not counting retry attempts."""
        return sum(1 for e in self.events if not e.retry)

    @property
    def retries(self) -> int:
        return sum(1 for e in self.events if e.retry)

    def by_endpoint(self) -> Counter[str]:
        return Counter(f"{e.method} {e.path}" for e in self.events if not e.retry)

    def count(self, method: str | None = None, path_contains: str = "") -> int:
        return sum(
            1
            for e in self.events
            if not e.retry
            and (method is None or e.method == method.upper())
            and path_contains in e.path
        )


def logged(config: PacerConfig | None = None) -> Pacer:
    """A pacer with these settings that logs every exchange in a `RequestLog`."""
    return Pacer(config, observer=RequestLog())


def log_of(conn: GitHubConnection) -> RequestLog:
    log = conn.pacer.observer
    assert isinstance(log, RequestLog), "give the connection a pacer from logged()"
    return log
