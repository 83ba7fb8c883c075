"""Measuring one phase of a run: wall time, requests, writes, memory.

Memory is the process's resident set sampled from /proc/self/statm every
20 ms while the phase runs (`ru_maxrss` is a high-water mark for the whole
process, so a plan after an apply could never show its own peak). The process
also holds the GitHub emulator and moto, so these numbers are an upper bound
for reconcile itself.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from reconciler.github.pacer import RequestEvent

_PAGE = os.sysconf("SC_PAGE_SIZE")
_MIB = 1024 * 1024


def rss_bytes() -> int:
    """The resident set of this process now (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * _PAGE


def max_rss_bytes() -> int:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class RssSampler:
    """The highest resident set seen while running, polled on a daemon thread."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.start_bytes = rss_bytes()
        self.peak_bytes = self.start_bytes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_bytes = max(self.peak_bytes, rss_bytes())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, rss_bytes())


@dataclass
class PhaseResult:
    name: str
    repositories: int
    latency: float
    concurrency: int
    requests: int = 0
    writes: int = 0
    retries: int = 0
    wall_seconds: float = 0.0
    peak_rss_mib: float = 0.0
    rss_growth_mib: float = 0.0
    not_modified_share: float | None = None
    by_endpoint: dict[str, int] = field(default_factory=dict)
    changes: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ideal_seconds(self) -> float:
        """Every request's latency, perfectly spread over the workers."""
        return self.requests * self.latency / self.concurrency

    @property
    def ratio(self) -> float | None:
        if self.ideal_seconds <= 0:
            return None
        return self.wall_seconds / self.ideal_seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "phase": self.name,
            "repositories": self.repositories,
            "latency_seconds": self.latency,
            "concurrency": self.concurrency,
            "requests": self.requests,
            "writes": self.writes,
            "retries": self.retries,
            "wall_seconds": round(self.wall_seconds, 3),
            "ideal_seconds": round(self.ideal_seconds, 3),
            "ratio": round(self.ratio, 3) if self.ratio is not None else None,
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "rss_growth_mib": round(self.rss_growth_mib, 1),
            "not_modified_share": (
                round(self.not_modified_share, 4) if self.not_modified_share is not None else None
            ),
            "plan_changes": self.changes,
            "requests_by_endpoint": self.by_endpoint,
            "notes": self.notes,
        }


def endpoint_template(method: str, path: str) -> str:
    """`GET /repos/{owner}/{repo}/environments/{env}/variables`: one row per endpoint."""
    parts = path.split("/")
    if len(parts) > 3 and parts[1] == "repos":
        parts[2], parts[3] = "{owner}", "{repo}"
        if len(parts) > 5 and parts[4] == "environments":
            parts[5] = "{env}"
    elif len(parts) > 7 and parts[1] == "orgs" and parts[3] == "teams" and parts[5] == "repos":
        # a reviewer team's access to one repository
        parts[6], parts[7] = "{owner}", "{repo}"
    return f"{method} {'/'.join(parts)}"


def not_modified_share(events: Sequence[RequestEvent]) -> float:
    """The share of a run's GETs answered 304 (retry attempts not counted); 0.0 without GETs."""
    gets = [e for e in events if e.method == "GET" and not e.retry]
    if not gets:
        return 0.0
    return sum(1 for e in gets if e.status == 304) / len(gets)


def summarize(events: Sequence[RequestEvent], result: PhaseResult, cached: bool) -> None:
    logical = [e for e in events if not e.retry]
    result.requests = len(logical)
    result.retries = len(events) - len(logical)
    result.writes = sum(1 for e in logical if e.method not in {"GET", "HEAD", "OPTIONS"})
    by_endpoint = Counter(endpoint_template(e.method, e.path) for e in logical)
    result.by_endpoint = dict(sorted(by_endpoint.items()))
    if cached:
        result.not_modified_share = not_modified_share(events)


@contextmanager
def measuring(result: PhaseResult) -> Iterator[None]:
    """Time the block and sample memory while it runs."""
    with RssSampler() as sampler:
        started = time.perf_counter()
        try:
            yield
        finally:
            result.wall_seconds = time.perf_counter() - started
    result.peak_rss_mib = sampler.peak_bytes / _MIB
    result.rss_growth_mib = max(sampler.peak_bytes - sampler.start_bytes, 0) / _MIB
