"""The shared pacer: points per window, concurrency, and the primary budget."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence

import pytest
from gh_support import FULL, OWNER, ConnFactory

from reconciler.desired import DesiredEnvironment, DesiredRepository, DesiredState
from reconciler.github import GitHubError, GitHubWriter, Pacer, PacerConfig, observe_github
from reconciler.github.pacer import RequestEvent
from reconciler.sandbox.github import GitHubEmulator


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _max_points_in_window(times: Sequence[tuple[float, int]], window: float) -> int:
    worst = 0
    for start, _ in times:
        total = sum(cost for at, cost in times if start <= at < start + window)
        worst = max(worst, total)
    return worst


def test_bucket_never_lets_a_window_exceed_its_points() -> None:
    fake = FakeTime()
    config = PacerConfig(points_per_window=60, window_seconds=10.0)
    pacer = Pacer(config, clock=fake.clock, wall_clock=fake.clock, sleep=fake.sleep)
    charged: list[tuple[float, int]] = []
    for i in range(200):
        method = "POST" if i % 3 == 0 else "GET"
        pacer.charge(method)
        charged.append((fake.now, config.cost(method)))

    assert _max_points_in_window(charged, 10.0) <= 60
    total = sum(cost for _, cost in charged)
    # ...and it is not needlessly slow: close to the sustained refill rate.
    elapsed = fake.now - 1000.0
    assert elapsed <= (total - config.burst) / config.refill_per_second + 1e-6


def test_writes_cost_five_points_and_reads_one() -> None:
    config = PacerConfig()
    assert [
        config.cost(m) for m in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
    ] == [
        1,
        1,
        1,
        5,
        5,
        5,
        5,
    ]


def test_primary_budget_waits_for_a_near_reset_and_refuses_a_far_one() -> None:
    fake = FakeTime()
    pacer = Pacer(
        PacerConfig(max_primary_wait=30.0),
        clock=fake.clock,
        wall_clock=fake.clock,
        sleep=fake.sleep,
    )
    pacer.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(fake.now + 10)})
    pacer.charge("GET")
    assert fake.slept and fake.slept[0] == pytest.approx(11.0)

    pacer.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(fake.now + 3600)})
    with pytest.raises(GitHubError) as caught:
        pacer.charge("GET")
    assert caught.value.kind == "rate_limit"
    assert "resets in" in str(caught.value)


def test_other_resources_do_not_touch_the_core_budget() -> None:
    pacer = Pacer()
    pacer.observe(
        {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": "9999999999",
            "x-ratelimit-resource": "search",
        }
    )
    assert pacer.primary_remaining is None


def test_concurrency_is_capped() -> None:
    pacer = Pacer(PacerConfig(max_concurrent=3))
    inside = 0
    peak = 0
    lock = threading.Lock()
    gate = threading.Barrier(3, timeout=5)

    def work() -> None:
        nonlocal inside, peak
        with pacer.slot("GET"):
            with lock:
                inside += 1
                peak = max(peak, inside)
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait()
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert peak == 3


def _points(events: Sequence[RequestEvent], config: PacerConfig) -> list[tuple[float, int]]:
    return [(e.at, config.cost(e.method)) for e in events]


def test_a_parallel_run_stays_within_a_scaled_down_secondary_limit(
    emu: GitHubEmulator, make_conn: ConnFactory
) -> None:
    config = PacerConfig(points_per_window=40, window_seconds=1.0, max_concurrent=4)
    conn = make_conn(pacer=Pacer(config))
    names = [f"svc{i}" for i in range(8)]
    for name in names:
        emu.add_repo(OWNER, name)
        emu.put_environment(OWNER, name, "dev")
    env = DesiredEnvironment("dev", 0, (), False, 0, None)
    desired = DesiredState(
        owner=OWNER, repositories=tuple(DesiredRepository(OWNER, n, (env,)) for n in names)
    )
    # A little headroom on the server: arrival times jitter by a few ms.
    emu.enable_secondary_limit(points_per_window=45, window_seconds=1.0, max_concurrent=4)
    emu.clear_requests()

    observe_github(conn, desired, concurrency=8)
    writer = GitHubWriter(conn)
    for i in range(4):
        writer.create_variable(FULL, None, f"V{i}", "x")

    assert len(emu.requests) == 8 * 5 + 4
    assert all(r.status < 400 for r in emu.requests)
    assert conn.counter.retries == 0
    assert _max_points_in_window(_points(conn.counter.events, config), 1.0) <= 40
