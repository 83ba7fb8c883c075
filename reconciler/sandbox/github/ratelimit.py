"""Primary (per identity, hourly quota) and secondary (points per window) rate limits."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from reconciler.sandbox.github.http import ApiError
from reconciler.sandbox.github.methods import points

PRIMARY_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
)
SECONDARY_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID {rid}."
)


@dataclass
class _Bucket:
    used: int
    reset: int  # epoch seconds


@dataclass
class PrimaryLimit:
    limit: int = 5000
    reset_in: int = 3600
    initial_remaining: int | None = None
    # False: a GitHub Enterprise Server with rate limiting turned off. It sends no
    # x-ratelimit-* headers and answers GET /rate_limit with 404.
    enabled: bool = True
    buckets: dict[str, _Bucket] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(
        self, limit: int, remaining: int | None, reset_in: int, *, enabled: bool = True
    ) -> None:
        with self.lock:
            self.limit, self.initial_remaining, self.reset_in = limit, remaining, reset_in
            self.enabled = enabled
            self.buckets.clear()

    def _bucket(self, identity: str) -> _Bucket:
        now = int(time.time())
        bucket = self.buckets.get(identity)
        if bucket is None or now >= bucket.reset:
            used = 0
            if bucket is None and self.initial_remaining is not None:
                used = max(self.limit - self.initial_remaining, 0)
            bucket = _Bucket(used=used, reset=now + self.reset_in)
            self.buckets[identity] = bucket
        return bucket

    def check(self, identity: str, account_id: int, request_id: str) -> None:
        """Raise GitHub's 403 when the identity's quota is spent."""
        with self.lock:
            if not self.enabled:
                return
            bucket = self._bucket(identity)
            if bucket.used >= self.limit:
                raise ApiError(
                    403,
                    f"API rate limit exceeded for user ID {account_id}. If you reach out to "
                    f"GitHub Support for help, please include the request ID {request_id}.",
                    documentation_url=PRIMARY_DOCS,
                    headers=self._headers(bucket),
                )

    def spend(self, identity: str) -> None:
        with self.lock:
            if not self.enabled:
                return
            bucket = self._bucket(identity)
            bucket.used = min(bucket.used + 1, self.limit)

    def headers(self, identity: str | None) -> dict[str, str]:
        with self.lock:
            if not self.enabled:
                return {}
            if identity is None:
                # Unauthenticated callers share GitHub's 60/hour anonymous quota.
                now = int(time.time())
                return {
                    "x-ratelimit-limit": "60",
                    "x-ratelimit-remaining": "60",
                    "x-ratelimit-reset": str(now + 3600),
                    "x-ratelimit-used": "0",
                    "x-ratelimit-resource": "core",
                }
            return self._headers(self._bucket(identity))

    def _headers(self, bucket: _Bucket) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(self.limit - bucket.used, 0)),
            "x-ratelimit-reset": str(bucket.reset),
            "x-ratelimit-used": str(bucket.used),
            "x-ratelimit-resource": "core",
        }

    def snapshot(self, identity: str | None) -> tuple[int, int, int, int] | None:
        """(limit, remaining, reset, used) for GET /rate_limit; None: not enabled."""
        h = self.headers(identity)
        if not h:
            return None
        return (
            int(h["x-ratelimit-limit"]),
            int(h["x-ratelimit-remaining"]),
            int(h["x-ratelimit-reset"]),
            int(h["x-ratelimit-used"]),
        )


@dataclass
class SecondaryLimit:
    """GitHub's secondary limit as its documentation states it, modelled on its own.

    "Rate limits for the REST API", "About secondary rate limits"
    (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits):
    "No more than 100 concurrent requests are allowed", "No more than 900
    points per minute are allowed for REST API endpoints", with the points of
    `methods.POINTS`. GitHub does not say how its minute is aligned, so the
    emulator takes the strictest reading: every span of `window_seconds` seconds
    ending at an arrival, arrivals stamped when they reach the server. A refusal
    is GitHub's 403 with `retry-after`, which the page defines as the seconds
    to wait before retrying; whole seconds, rounded up so that a client that
    waits exactly that long finds room. docs/emulator-fidelity.md, "Secondary rate
    limit: points per method".
    """

    points_per_window: int
    window_seconds: float
    max_concurrent: int
    # (arrival, points) of the requests admitted, oldest first.
    ledger: deque[tuple[float, int]] = field(default_factory=deque)
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, method: str, request_id: str) -> None:
        """Admit one request or raise the 403 GitHub sends; pair with `release`."""
        charge = points(method)
        arrival = time.monotonic()
        with self.lock:
            wait = self._refusal(arrival, charge)
            if wait is not None:
                raise ApiError(
                    403,
                    SECONDARY_MESSAGE.format(rid=request_id),
                    documentation_url=SECONDARY_DOCS,
                    headers={"retry-after": str(max(math.ceil(wait), 1))},
                )
            self.ledger.append((arrival, charge))
            self.in_flight += 1

    def _refusal(self, arrival: float, charge: int) -> float | None:
        """Seconds until `charge` more points fit, or None when they fit now."""
        if self.in_flight >= self.max_concurrent:
            return 1.0  # one in flight will finish; GitHub names no figure
        recent = [(at, cost) for at, cost in self.ledger if arrival - at < self.window_seconds]
        self.ledger = deque(recent)
        over = sum(cost for _, cost in recent) + charge - self.points_per_window
        if over <= 0:
            return None
        # The oldest arrivals leave first; room comes when enough of them have.
        for at, cost in recent:
            over -= cost
            if over <= 0:
                return at + self.window_seconds - arrival
        return self.window_seconds

    def release(self) -> None:
        with self.lock:
            self.in_flight -= 1
