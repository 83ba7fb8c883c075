"""The shared pacer: points per window, concurrency, and the primary budget."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence

import pytest
from gh_support import FULL, OWNER, ConnFactory
from request_log import log_of, logged

from reconciler.github import GitHubError, GitHubWriter, Pacer, PacerConfig, observe_github
from reconciler.github.pacer import RequestEvent
from reconciler.model.desired import DesiredEnvironment, DesiredRepository, DesiredState
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


def _charge_all(pacer: Pacer, fake: FakeTime, methods: Sequence[str]) -> list[tuple[float, int]]:
    charged: list[tuple[float, int]] = []
    for method in methods:
        pacer.charge(method)
        charged.append((fake.now, pacer.config.cost(method)))
    return charged


def test_no_window_ever_holds_more_than_its_points() -> None:
    fake = FakeTime()
    config = PacerConfig(points_per_window=60, window_seconds=10.0, writes_per_minute=None)
    pacer = Pacer(config, clock=fake.clock, wall_clock=fake.clock, sleep=fake.sleep)
    methods = ["POST" if i % 3 == 0 else "GET" for i in range(200)]
    charged = _charge_all(pacer, fake, methods)

    assert _max_points_in_window(charged, 10.0) <= 60
    # ...and not needlessly slow: a window is only closed when the next request
    # does not fit, so each holds at least its points less one write's worth.
    total = sum(cost for _, cost in charged)
    span = 10.0 + config.window_margin_seconds
    assert fake.now - 1000.0 <= (total // (60 - config.write_cost + 1)) * span


def test_a_run_that_fits_in_the_window_never_waits() -> None:
    fake = FakeTime()
    pacer = Pacer(PacerConfig(), clock=fake.clock, wall_clock=fake.clock, sleep=fake.sleep)
    # 900 points exactly: 400 reads and 80 writes (the content limit's minute).
    _charge_all(pacer, fake, ["GET"] * 400 + ["PUT"] * 80 + ["GET"] * 100)
    assert fake.slept == []
    pacer.charge("GET")  # the 901st point waits for the first to leave the window
    assert fake.slept == [pytest.approx(60.0 + PacerConfig().window_margin_seconds)]
    assert PacerConfig().window_margin_seconds == 1.0


def test_a_request_waits_exactly_until_the_oldest_points_leave() -> None:
    fake = FakeTime()
    config = PacerConfig(
        points_per_window=10, window_seconds=10.0, writes_per_minute=None, window_margin_seconds=0
    )
    pacer = Pacer(config, clock=fake.clock, wall_clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        pacer.charge("GET")
        fake.now += 1.0  # reads at 1000..1004, then 1005..1009
    for _ in range(5):
        pacer.charge("GET")
        fake.now += 1.0
    assert fake.slept == []
    pacer.charge("POST")  # 5 points: the window must lose the reads of 1000..1004
    assert fake.now == pytest.approx(1014.0)


def test_writes_count_against_the_content_creation_limits() -> None:
    fake = FakeTime()
    config = PacerConfig(points_per_window=10**6, writes_per_minute=80, writes_per_hour=500)
    pacer = Pacer(config, clock=fake.clock, wall_clock=fake.clock, sleep=fake.sleep)
    charged = _charge_all(pacer, fake, ["PATCH"] * 600)
    starts = [at for at, _ in charged]
    per_minute = max(sum(1 for t in starts if s <= t < s + 60) for s in starts)
    per_hour = max(sum(1 for t in starts if s <= t < s + 3600) for s in starts)
    assert per_minute == 80
    assert per_hour == 500
    # Reads are not content: they never wait for the write windows.
    fake.slept.clear()
    pacer.charge("GET")
    assert fake.slept == []


def test_a_ghes_limit_is_honoured() -> None:
    fake = FakeTime()
    config = PacerConfig(points_per_window=100, writes_per_minute=None, writes_per_hour=None)
    pacer = Pacer(config, clock=fake.clock, wall_clock=fake.clock, sleep=fake.sleep)
    charged = _charge_all(pacer, fake, ["GET"] * 250)
    assert _max_points_in_window(charged, 60.0) == 100
    assert fake.now - 1000.0 == pytest.approx(2 * (60.0 + config.window_margin_seconds))


def test_writes_go_one_at_a_time_while_reads_run_in_parallel() -> None:
    pacer = Pacer(PacerConfig(max_concurrent=8, points_per_window=10**6, writes_per_minute=None))
    peaks = {"GET": 0, "PUT": 0}
    inside = {"GET": 0, "PUT": 0}
    lock = threading.Lock()
    reads_gate = threading.Barrier(4, timeout=5)

    def work(method: str) -> None:
        with pacer.slot(method):
            with lock:
                inside[method] += 1
                peaks[method] = max(peaks[method], inside[method])
            if method == "GET":
                with contextlib.suppress(threading.BrokenBarrierError):
                    reads_gate.wait()
            with lock:
                inside[method] -= 1

    threads = [threading.Thread(target=work, args=(m,)) for m in ["GET"] * 4 + ["PUT"] * 6]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert peaks == {"GET": 4, "PUT": 1}


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
    # Scaled down, the server's headroom (45 points) stands in for the time margin.
    config = PacerConfig(
        points_per_window=40,
        window_seconds=1.0,
        max_concurrent=4,
        writes_per_minute=None,
        window_margin_seconds=0.0,
    )
    conn = make_conn(pacer=logged(config))
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
    assert log_of(conn).retries == 0
    assert _max_points_in_window(_points(log_of(conn).events, config), 1.0) <= 40


def test_a_pacer_for_another_token_shares_the_windows_not_the_budget() -> None:
    fake = FakeTime()
    config = PacerConfig(points_per_window=10, window_seconds=10.0, writes_per_minute=None)
    pacer = Pacer(config, clock=fake.clock, wall_clock=fake.clock, sleep=fake.sleep)
    pacer.observe({"x-ratelimit-remaining": "4000", "x-ratelimit-reset": "5000"})
    twin = pacer.for_another_token()
    twin.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999"})
    assert pacer.primary_remaining == 4000
    assert twin.primary_remaining is None
    for _ in range(9):
        pacer.charge("GET")
    twin.charge("GET")  # the window's tenth point
    assert fake.slept == []
    pacer.charge("GET")  # waits for the first to leave (and the margin)
    assert fake.slept == [pytest.approx(10.0 + config.window_margin_seconds)]
    # The other token's exchanges are not this connection's: no observer hears of them.
    observed = logged(config)
    assert observed.for_another_token().observer is None
    assert observed.observer is not None
