"""One pacer per run, shared by every thread: GitHub's secondary and primary limits.

Secondary limits (documented): about 900 points per minute for REST, where a
GET/HEAD/OPTIONS costs 1 point and any write 5, and at most 100 concurrent
requests. The bucket below is sized so that no window of `window_seconds`
ever sees more than `points_per_window` points: a burst of `burst_points`
plus a refill of the remainder spread over the window.

Primary limit: the `x-ratelimit-remaining`/`x-ratelimit-reset` of responses.
When the budget is spent we wait for the reset if it is near, else fail with
one clear error rather than hang for an hour.

The pacer also owns the request counter: every HTTP exchange (and every retry
attempt) is recorded, which is what tests and benchmarks assert on.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from reconciler.github.errors import GitHubError

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class PacerConfig:
    points_per_window: int = 900
    window_seconds: float = 60.0
    # None: a sixth of the window's points may go at once.
    burst_points: int | None = None
    read_cost: int = 1
    write_cost: int = 5
    # GitHub allows 100; a reconcile run never needs that many in flight.
    max_concurrent: int = 16
    # Keep this many primary points unused (other tools share the token).
    primary_reserve: int = 0
    # Wait at most this long for a primary reset; longer fails the run.
    max_primary_wait: float = 60.0

    @classmethod
    def unpaced(cls) -> PacerConfig:
        """No secondary-limit pacing, for runs against the local emulator: a window
        no run fills. Concurrency and the primary budget are kept as they are."""
        return cls(points_per_window=10**9)

    def cost(self, method: str) -> int:
        return self.read_cost if method.upper() in _READ_METHODS else self.write_cost

    @property
    def burst(self) -> int:
        # A tenth of the window: a long run then reaches 90% of the allowed rate.
        burst = self.burst_points or max(self.points_per_window // 10, self.write_cost)
        return min(max(burst, self.write_cost), self.points_per_window)

    @property
    def refill_per_second(self) -> float:
        spare = max(self.points_per_window - self.burst, 1)
        return spare / self.window_seconds


@dataclass(frozen=True)
class RequestEvent:
    at: float  # monotonic seconds
    method: str
    path: str
    status: int  # 0 for a retry attempt recorded before its answer
    retry: bool = False


class RequestCounter:
    """Every exchange the pacer let through, by `METHOD /path`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._events: list[RequestEvent] = []

    def record(self, method: str, path: str, status: int, *, retry: bool = False) -> None:
        event = RequestEvent(self._clock(), method.upper(), path, status, retry)
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

    def reset(self) -> None:
        with self._lock:
            self._events.clear()


class Pacer:
    """Token bucket for points, a semaphore for concurrency, and the primary budget."""

    def __init__(
        self,
        config: PacerConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config or PacerConfig()
        self.counter = RequestCounter(clock)
        self._clock = clock
        self._wall = wall_clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.config.max_concurrent)
        self._tokens = float(self.config.burst)
        self._stamp = clock()
        self._remaining: int | None = None
        self._reset_at: float | None = None

    @contextmanager
    def slot(self, method: str) -> Iterator[None]:
        """Hold a concurrency slot and pay the request's points for its duration."""
        with self._slots:
            self.charge(method)
            yield

    def charge(self, method: str) -> None:
        """Pay for one request (also used for retry attempts), waiting as needed."""
        self._wait_for_primary()
        cost = self.config.cost(method)
        # Reserve now, possibly into debt, then sleep off the debt: callers are
        # served in arrival order and no window can exceed its points.
        with self._lock:
            now = self._clock()
            rate = self.config.refill_per_second
            self._tokens = min(float(self.config.burst), self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            self._tokens -= cost
            debt = -self._tokens
            if self._remaining is not None:
                self._remaining -= 1
        if debt > 0:
            self._sleep(debt / rate)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the primary budget from a response's rate-limit headers."""
        resource = headers.get("x-ratelimit-resource")
        if resource not in (None, "core"):
            return
        remaining = headers.get("x-ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset")
        if remaining is None or reset is None:
            return
        try:
            value, reset_at = int(float(remaining)), float(reset)
        except ValueError:
            return
        with self._lock:
            if self._reset_at is None or reset_at != self._reset_at:
                self._remaining, self._reset_at = value, reset_at
            else:
                # Answers arrive out of order; the lowest is the newest.
                self._remaining = min(value, self._remaining or value)

    @property
    def primary_remaining(self) -> int | None:
        with self._lock:
            return self._remaining

    def _wait_for_primary(self) -> None:
        with self._lock:
            remaining, reset_at = self._remaining, self._reset_at
        if remaining is None or reset_at is None or remaining > self.config.primary_reserve:
            return
        wait = reset_at - self._wall() + 1.0
        if wait <= 0:
            return
        if wait > self.config.max_primary_wait:
            raise GitHubError(
                "rate_limit",
                f"GitHub API rate limit exhausted ({remaining} requests left); it resets in "
                f"{int(wait)} s, longer than the {int(self.config.max_primary_wait)} s we wait",
            )
        self._sleep(wait)
        with self._lock:
            if self._reset_at == reset_at:
                self._remaining = None
