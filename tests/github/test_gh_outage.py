"""A GitHub that fails every write: the retries of all writes count toward one limit
(reconciler/github/outage.py), so a run gives up within about 30 s of planned waits
instead of spending every write's tries in turn.

Waits are asserted as planned (the policy's backoff, no jitter); the sleeps
themselves are capped at a millisecond.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import structlog
from gh_support import FULL, OWNER, REPO, ConnFactory

from reconciler.github import GitHubError, GitHubWriter, RetryPolicy, observe_repository
from reconciler.github.outage import GitHubDown
from reconciler.sandbox.github import FaultRule, GitHubEmulator

# Production's backoff (1, 2, 4, 8 s) and waits bound (30 s) scaled down 128-fold,
# without jitter: powers of two, so the sums are exact.
SCALE = 1 / 128
EXACT = RetryPolicy(backoff=SCALE, jitter=0.0, outage_wait=30 * SCALE)
VARIABLES = r"/actions/variables$"


def _posts(emu: GitHubEmulator) -> list[int]:
    return [r.status for r in emu.requests if r.method == "POST"]


def _planned_waits(logs: list[dict[str, Any]]) -> list[float]:
    return [e["wait_seconds"] for e in logs if e["event"] == "retrying a GitHub request"]


def _dead_writes(emu: GitHubEmulator, path: str = VARIABLES) -> None:
    emu.add_fault(FaultRule("POST", path, times=1000, kind="status", status=503))
    emu.clear_requests()


def test_failing_writes_share_one_limit_of_10_attempts_and_the_waits_bound(
    emu: GitHubEmulator, make_conn: ConnFactory
) -> None:
    writer = GitHubWriter(make_conn(retry=EXACT))
    _dead_writes(emu)

    with structlog.testing.capture_logs() as logs:
        with pytest.raises(GitHubError) as first:
            writer.create_variable(FULL, None, "A", "1")
        with pytest.raises(GitHubDown) as second:
            writer.create_variable(FULL, None, "B", "1")
        with pytest.raises(GitHubDown) as third:
            writer.create_variable(FULL, None, "C", "1")

    # The first write has its own 5 tries; the second gives up at the 10th attempt.
    assert not isinstance(first.value, GitHubDown) and first.value.status == 503
    assert _posts(emu) == [503] * 10
    assert len(_planned_waits(logs)) == 8
    assert (second.value.attempts, second.value.waited) == (10, 30 * SCALE)
    assert str(second.value) == (
        "GitHub failed 10 write attempts in a row (5xx or no answer) with 0.2 s of retry "
        f"waits between them; gave up on GitHub for this run at POST /repos/{FULL}/actions/"
        "variables (503)"
    )
    # Given up: the next write is not sent at all.
    assert str(third.value).startswith("not sent: GitHub failed 10 write attempts")
    assert [e["attempts"] for e in logs if e["event"] == "giving up on GitHub"] == [10]


def test_the_waits_bound_gives_up_before_a_retry_would_pass_it(
    emu: GitHubEmulator, make_conn: ConnFactory
) -> None:
    writer = GitHubWriter(make_conn(retry=replace(EXACT, outage_wait=20 * SCALE)))
    _dead_writes(emu)

    with structlog.testing.capture_logs() as logs:
        with pytest.raises(GitHubError):
            writer.create_variable(FULL, None, "A", "1")
        with pytest.raises(GitHubDown) as down:
            writer.create_variable(FULL, None, "B", "1")

    # 15 units for the first write, then 1 and 2: a wait of 4 would make 22 > 20.
    assert len(_planned_waits(logs)) == 6
    assert len(_posts(emu)) == 8
    assert (down.value.attempts, down.value.waited) == (8, 18 * SCALE)


def test_an_answered_write_starts_the_count_again(
    emu: GitHubEmulator, make_conn: ConnFactory
) -> None:
    emu.put_environment(OWNER, REPO, "dev")
    writer = GitHubWriter(make_conn(retry=EXACT))
    _dead_writes(emu)

    for name in ("A", "B", "C"):
        with pytest.raises(GitHubError) as failed:
            writer.create_variable(FULL, None, name, "1")
        assert not isinstance(failed.value, GitHubDown)
        # GitHub answers another write: it is there, so the tally starts over.
        assert writer.create_variable(FULL, "dev", name, "1").status == 201

    assert _posts(emu) == [503] * 5 + [201] + [503] * 5 + [201] + [503] * 5 + [201]


def test_failing_reads_keep_their_own_retries(emu: GitHubEmulator, make_conn: ConnFactory) -> None:
    """GitHub can fail writes while serving reads, and the reverse; reads never count."""
    conn = make_conn(retry=EXACT)
    emu.add_fault(FaultRule("GET", r"/environments$", times=1000, kind="status", status=503))
    emu.clear_requests()

    for _ in range(3):
        with pytest.raises(GitHubError) as failed:
            observe_repository(conn, OWNER, REPO)
        assert not isinstance(failed.value, GitHubDown)

    assert [r.status for r in emu.requests if r.path.endswith("/environments")] == [503] * 15
    assert conn.outage.down is None
