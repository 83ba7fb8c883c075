"""`kill -9` of apply after its K-th write, for every K, then a re-run (issue 7).

The apply runs as a real process (`reconcile apply --yes`, forked from a
process that has imported reconcile: tests/forked.py) against the emulator in
this test process; the emulator's request hook SIGKILLs it right after GitHub
performed its K-th write, before the answer leaves. Then
an ordinary apply must finish the job: the plan ends empty, nothing was made
twice, and items the config does not manage were not touched.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from forked import Forkserver
from integration.helpers import FIXTURE_CONFIG, CliRunner

from reconciler.sandbox.runner import Sandbox

from .support import (
    AtKthWrite,
    WriteRecorder,
    assert_fixture_config_state,
    change_key,
    created_per_resource,
    final_plan,
    fresh_plan_changes,
    seed_unmanaged,
    unmanaged_snapshot,
    writes_per_resource,
)

# Every write position, each a real process: the longest file of the suite.
pytestmark = pytest.mark.slow

FRESH_APPLY_WRITES = 23


def _wait_quiet(sandbox: Sandbox, quiet: float = 0.2, limit: float = 5.0) -> None:
    """Until the emulator has seen no request for `quiet` seconds: requests the
    killed process had already sent finish before the re-run starts."""
    deadline = time.monotonic() + limit
    seen = len(sandbox.github.requests)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = len(sandbox.github.requests)
        if now == seen:
            return
        seen = now


class _Killer(AtKthWrite):
    """SIGKILLs the process once the K-th write has been performed."""

    def fire(self) -> None:
        os.kill(self.pid, signal.SIGKILL)


@pytest.mark.parametrize("k", range(1, FRESH_APPLY_WRITES + 1))
def test_apply_killed_after_k_writes_recovers(
    k: int, cli: CliRunner, sandbox: Sandbox, tmp_path: Path, forks: Forkserver
) -> None:
    untouched = seed_unmanaged(sandbox)
    changes = fresh_plan_changes(cli)
    assert len(changes) == FRESH_APPLY_WRITES
    assert {c["action"] for c in changes} == {"create"}
    planned_keys = {change_key(c) for c in changes}

    recorder = WriteRecorder(sandbox.github)
    killer = _Killer(recorder, k)
    recorder.after_write = killer
    log = tmp_path / "killed-apply.log"
    process = forks.spawn(
        ["apply", "--yes", "-c", str(FIXTURE_CONFIG)], cwd=tmp_path, env=os.environ, output=log
    )
    killer.started(process.pid)
    code = process.wait(timeout=60)
    assert killer.fired, f"apply ended before its write {k}: {log.read_text()}"
    assert code == -signal.SIGKILL
    _wait_quiet(sandbox)
    recorder.after_write = None
    killed_writes = recorder.performed()
    assert len(killed_writes) >= k

    rerun = cli("apply", "--yes")
    assert rerun.code == 0, rerun.out + rerun.err
    final_plan(cli)

    every = recorder.performed()
    touched = {w.resource for w in recorder.writes}
    assert touched <= planned_keys, f"writes outside the plan: {touched - planned_keys}"
    assert touched == planned_keys, f"planned but never written: {planned_keys - touched}"
    too_often = {r: n for r, n in writes_per_resource(every).items() if n > 2}
    assert too_often == {}, "a planned change was written more than twice"
    twice_created = {r: n for r, n in created_per_resource(every).items() if n > 1}
    assert twice_created == {}, "a resource was created twice"
    assert_fixture_config_state(sandbox)
    assert unmanaged_snapshot(sandbox) == untouched
