"""One pacer per run, shared by every thread: GitHub's secondary and primary limits.

Secondary limits (GitHub's "Rate limits for the REST API"): at most 900 points
per minute for REST, where a GET/HEAD/OPTIONS costs 1 point and any write 5;
at most 100 concurrent requests; and, in general, at most 80 content-generating
requests a minute and 500 an hour. Each is a sliding window here: a request
waits only when one of the windows it counts in has no room for it, and then
until the oldest requests have left that window plus a margin (1 s: GitHub
counts arrivals, not our start times). No 60 s span ever holds more than the
allowed points, and a run that fits in a window never waits.

Writes are spaced by two rules, not by a fixed pause (see
docs/performance.md, "How writes are spaced"): they go one at a time (GitHub:
"make requests serially instead of concurrently", most of all mutative ones),
and every write counts against the content-creation windows, which spreads a
large apply to 80 writes a minute instead of bursting 180.

Primary limit: the `x-ratelimit-remaining`/`x-ratelimit-reset` of responses.
When the budget is spent we wait for the reset if it is near, else fail with
one clear error rather than hang for an hour.

An observer given to the pacer is told of every HTTP exchange (and every retry
attempt); production gives none and keeps no record, and tests and benchmarks
count what they assert on with their own.

During apply's writes a `WriteGate` sits in front of every write request
(`gated`): asked before the request takes its write slot, and again inside it
at the moment the request (or a retry of it) is sent, it may refuse it: a
stop decided while the request waited must still keep it from GitHub.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Protocol

from reconciler.github.errors import GitHubError

# GitHub's points table ("Rate limits for the REST API", "Calculating points for
# the secondary rate limit"): "Most REST API GET, HEAD, and OPTIONS requests" 1
# point, "Most REST API POST, PATCH, PUT, or DELETE requests" 5. The emulator
# reads the same table on its own (reconciler/sandbox/github/methods.py).
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_write(method: str) -> bool:
    return method.upper() not in _READ_METHODS


@dataclass(frozen=True)
class PacerConfig:
    # GitHub's documented REST secondary limit; GHES administrators set their own.
    points_per_window: int = 900
    window_seconds: float = 60.0
    read_cost: int = 1
    write_cost: int = 5
    # Content-generating requests (every write counts: GitHub does not list which
    # endpoints generate content, so we assume all of them do). None: unlimited.
    writes_per_minute: int | None = 80
    writes_per_hour: int | None = 500
    # GitHub allows 100; a reconcile run never needs that many in flight.
    max_concurrent: int = 16
    # Writes in flight at once across the run.
    max_concurrent_writes: int = 1
    # Keep this many primary points unused (other tools share the token).
    primary_reserve: int = 0
    # Wait at most this long for a primary reset; longer fails the run.
    max_primary_wait: float = 60.0
    # GitHub counts a request when it arrives, the pacer when it lets it start.
    # GitHub's rate-limit page states the limit "per minute" and no finer: every
    # time it gives back is whole seconds (`retry-after` counts seconds,
    # `x-ratelimit-reset` is a time in UTC epoch seconds), so one second, the
    # smallest unit GitHub speaks in, is the least a client can leave for where
    # GitHub's minute starts and ends (docs/performance.md, "Why the margin").
    window_margin_seconds: float = 1.0

    @classmethod
    def unpaced(cls) -> PacerConfig:
        """No secondary-limit pacing (`--points-per-minute off`, for a GitHub Enterprise
        Server with rate limiting switched off): no points or content windows.
        Concurrency (writes one at a time included) and the primary budget are kept
        as they are."""
        return cls(points_per_window=10**9, writes_per_minute=None, writes_per_hour=None)

    def cost(self, method: str) -> int:
        return self.write_cost if is_write(method) else self.read_cost

    def windows(self) -> tuple[WindowLimit, ...]:
        """Each limit's span, lengthened by the margin the pacer keeps."""
        margin = self.window_margin_seconds
        limits = [
            WindowLimit(self.window_seconds + margin, self.points_per_window, writes_only=False)
        ]
        if self.writes_per_minute is not None:
            limits.append(WindowLimit(60.0 + margin, self.writes_per_minute, writes_only=True))
        if self.writes_per_hour is not None:
            limits.append(WindowLimit(3600.0 + margin, self.writes_per_hour, writes_only=True))
        return tuple(limits)


class WriteGate(Protocol):
    """What a run may put in front of its writes (apply's: `reconciler.run.gate`)."""

    def enter(self) -> None:
        """Before a write request takes its write slot; may wait."""

    def admit(self) -> None:
        """The moment a write request (or a retry of one) is about to be sent; raises
        to keep it from being sent."""


@dataclass(frozen=True)
class WindowLimit:
    """No span of `seconds` may hold more than `limit` (points, or writes counted one each)."""

    seconds: float
    limit: int
    writes_only: bool


class _SlidingWindow:
    """The charges still inside one window, oldest first, with their running total."""

    def __init__(self, limit: WindowLimit) -> None:
        self.limit = limit
        self._entries: deque[tuple[float, int]] = deque()
        self._total = 0

    def weight(self, method: str, points: int) -> int:
        if not self.limit.writes_only:
            return points
        return 1 if is_write(method) else 0

    def earliest(self, at: float, weight: int) -> float:
        """The first time from `at` on at which `weight` more fits in every span."""
        if weight == 0:
            return at
        horizon = at - self.limit.seconds
        while self._entries and self._entries[0][0] <= horizon:
            self._total -= self._entries.popleft()[1]
        room = self.limit.limit - weight
        if self._total <= room:
            return at
        # Entries never lie after `at` (starts are handed out in order), so waiting
        # for the oldest ones to leave is the only way to make room.
        left = self._total
        for started, cost in self._entries:
            left -= cost
            if left <= room:
                return started + self.limit.seconds
        return at  # a single request larger than the window: let it through alone

    def add(self, at: float, weight: int) -> None:
        if weight:
            self._entries.append((at, weight))
            self._total += weight


@dataclass(frozen=True)
class RequestEvent:
    at: float  # monotonic seconds at which the pacer let the request start
    method: str
    path: str
    status: int  # 0 for a retry attempt recorded before its answer
    retry: bool = False


# Told of every exchange the pacer let through; production has none. Tests and
# benchmarks count requests with one (their own RequestLog keeps them).
RequestObserver = Callable[[RequestEvent], None]


class Pacer:
    """Sliding windows for points and writes, semaphores for concurrency, the primary budget."""

    def __init__(
        self,
        config: PacerConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        observer: RequestObserver | None = None,
    ) -> None:
        self.config = config or PacerConfig()
        self.observer = observer
        self._clock = clock
        self._wall = wall_clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.config.max_concurrent)
        self._write_slots = threading.BoundedSemaphore(self.config.max_concurrent_writes)
        self._windows = tuple(_SlidingWindow(limit) for limit in self.config.windows())
        # A list, so a pacer for another token (`for_another_token`) shares it.
        self._next_start = [float("-inf")]
        # Likewise shared: apply's gate sees every write of the run, whichever token.
        self._gate: list[WriteGate | None] = [None]
        self._learns_budget = True
        self._remaining: int | None = None
        self._reset_at: float | None = None
        self._limit: int | None = None

    @contextmanager
    def gated(self, gate: WriteGate) -> Iterator[None]:
        """Every write request while inside passes `gate` (see `WriteGate`)."""
        self._gate[0] = gate
        try:
            yield
        finally:
            self._gate[0] = None

    @contextmanager
    def slot(self, method: str) -> Iterator[float]:
        """Hold a concurrency slot for the request's duration; yields its start time."""
        writes = self._write_slots if is_write(method) else nullcontext()
        gate = self._gate[0] if is_write(method) else None
        if gate is not None:
            gate.enter()
        with writes, self._slots:
            yield self.charge(method)

    def charge(self, method: str) -> float:
        """Pay for one request (also used for retry attempts), waiting as needed."""
        self._wait_for_primary()
        points = self.config.cost(method)
        # Starts are handed out in arrival order, each the earliest moment at which
        # every window has room; the caller then sleeps until its start.
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start[0])
            weighed = [(window, window.weight(method, points)) for window in self._windows]
            start = max((w.earliest(start, weight) for w, weight in weighed), default=start)
            for window, weight in weighed:
                window.add(start, weight)
            self._next_start[0] = start
            if self._remaining is not None:
                self._remaining -= 1
        if start > now:
            self._sleep(start - now)
        gate = self._gate[0]
        if gate is not None and is_write(method):
            # After the wait, inside the write slot: nothing is decided later than this.
            gate.admit()
        return start

    def report(
        self, method: str, path: str, status: int, *, retry: bool = False, at: float | None = None
    ) -> None:
        """Tell the observer, if any, of an exchange (`status` 0: no answer yet or
        none); `at` is when the pacer let it start, by default now."""
        if self.observer is not None:
            stamp = self._clock() if at is None else at
            self.observer(RequestEvent(stamp, method.upper(), path, status, retry))

    def for_another_token(self) -> Pacer:
        """A pacer for a connection of another token in the same run (the dispatch
        check's): its requests take their turn in this pacer's windows and
        concurrency, since GitHub may count them against the same secondary limit,
        but its answers tell nothing of this run's primary budget, and its
        exchanges are not this connection's: no observer is told of them."""
        twin = copy.copy(self)
        twin.observer = None
        twin._learns_budget = False
        twin._remaining = twin._reset_at = twin._limit = None
        return twin

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the primary budget from a response's rate-limit headers."""
        if not self._learns_budget:
            return
        resource = headers.get("x-ratelimit-resource")
        if resource not in (None, "core"):
            return
        remaining = headers.get("x-ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset")
        limit = headers.get("x-ratelimit-limit")
        if remaining is None or reset is None:
            return
        try:
            value, reset_at = int(float(remaining)), float(reset)
        except (ValueError, OverflowError):  # "inf" is no budget a server could mean
            return
        with self._lock:
            if limit is not None and limit.isdigit():
                self._limit = int(limit)
            if self._reset_at is None or reset_at != self._reset_at:
                self._remaining, self._reset_at = value, reset_at
            else:
                # Answers arrive out of order; the lowest is the newest.
                self._remaining = min(value, self._remaining or value)

    @property
    def primary_remaining(self) -> int | None:
        with self._lock:
            return self._remaining

    def primary_known(self) -> tuple[int, int | None, float] | None:
        """(remaining, limit, reset epoch) as the last responses told, or None before any."""
        with self._lock:
            if self._remaining is None or self._reset_at is None:
                return None
            return self._remaining, self._limit, self._reset_at

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
