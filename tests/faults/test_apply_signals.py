"""SIGINT and SIGTERM during apply, sent to a real process (issue 11, item 1).

The apply runs as its own process, `reconcile apply --yes` (forked from one
that has imported reconcile: tests/forked.py), against the emulator in this
test process. The emulator's request hook sends the signal right after
GitHub performed the apply's K-th write, and holds that write's answer until
the process has taken the signal (its `interrupted` audit record is on disk):
the K-th write is then exactly "in flight" when the signal lands. After that
no new write may start; the one in flight finishes and is recorded; the
report is printed; the exit code is 130 (SIGINT) or 143 (SIGTERM). A second
signal exits at once, leaving an audit file of whole JSON lines. An ordinary
apply afterwards converges.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from forked import Forkserver
from integration.helpers import FIXTURE_CONFIG, CliRunner

from reconciler.sandbox.runner import Sandbox

from .support import (
    AtKthWrite,
    WriteRecorder,
    assert_fixture_config_state,
    assert_recovered,
    audit_lines,
    change_key,
    final_plan,
    fresh_plan_changes,
    fresh_planned_keys,
    has_status,
    record_id,
    wait_for,
)

FRESH_APPLY_WRITES = 23


class _Signaller(AtKthWrite):
    """At GitHub's K-th performed write: signal, hold the answer until the signal is taken."""

    def __init__(
        self, recorder: WriteRecorder, k: int, signum: int, audit: Path, *, twice: bool
    ) -> None:
        super().__init__(recorder, k)
        self.signum, self.audit, self.twice = signum, audit, twice
        self.exited = threading.Event()
        self.writes_at_signal = 0
        self.records_at_signal: list[str] = []

    def fire(self) -> None:
        self.writes_at_signal = self._recorder.count()
        self.records_at_signal = [line["status"] for line in audit_lines(self.audit)]
        os.kill(self.pid, self.signum)
        wait_for(lambda: has_status(self.audit, "interrupted"), "the interrupted audit record")
        if self.twice:
            os.kill(self.pid, self.signum)
            # The answer to the write in flight never reaches the process.
            assert self.exited.wait(30), "a second signal did not end the process"


def _run_interrupted(
    sandbox: Sandbox,
    tmp_path: Path,
    forks: Forkserver,
    *,
    k: int,
    signum: int,
    concurrency: int,
    twice: bool = False,
) -> tuple[int, str, str, WriteRecorder, _Signaller]:
    recorder = WriteRecorder(sandbox.github)
    audit = tmp_path / "audit.jsonl"
    signaller = _Signaller(recorder, k, signum, audit, twice=twice)
    recorder.after_write = signaller
    out, err = tmp_path / "apply.out", tmp_path / "apply.err"
    command = ["apply", "--yes", "-c", str(FIXTURE_CONFIG), "--audit-log", str(audit)]
    command += ["--concurrency", str(concurrency)]
    process = forks.spawn(command, cwd=tmp_path, env=os.environ, output=out, errors=err)
    signaller.started(process.pid)
    try:
        code = process.wait(timeout=120)
    finally:
        signaller.exited.set()
    recorder.after_write = None
    assert signaller.fired, f"apply ended before its write {k}: {err.read_text()}"
    return code, out.read_text(), err.read_text(), recorder, signaller


CASES = [
    pytest.param(signal.SIGINT, 1, 1, id="SIGINT-after-write-1-serial"),
    pytest.param(signal.SIGINT, 11, 8, id="SIGINT-after-write-11-parallel"),
    pytest.param(signal.SIGTERM, 6, 1, id="SIGTERM-after-write-6-serial"),
    pytest.param(signal.SIGTERM, 17, 8, id="SIGTERM-after-write-17-parallel"),
]


@pytest.mark.parametrize(("signum", "k", "concurrency"), CASES)
def test_a_stop_signal_lets_writes_in_flight_finish_and_starts_no_new_one(
    signum: int,
    k: int,
    concurrency: int,
    cli: CliRunner,
    sandbox: Sandbox,
    tmp_path: Path,
    forks: Forkserver,
) -> None:
    planned = fresh_planned_keys(cli)
    assert len(planned) == FRESH_APPLY_WRITES
    code, out, err, recorder, signaller = _run_interrupted(
        sandbox, tmp_path, forks, k=k, signum=signum, concurrency=concurrency
    )

    assert code == 128 + signum, out + err
    assert "Traceback" not in err
    # The K-th write holds the turn while its answer is held: every other worker
    # waits to write, and after the signal none may.
    after = recorder.writes[signaller.writes_at_signal :]
    assert after == [], f"writes started after the signal: {after}"
    performed = recorder.performed()
    assert all(200 <= w.status < 300 for w in recorder.writes)

    # The report: what was applied (the write in flight included) and what was not started.
    name = signal.Signals(signum).name
    not_started = FRESH_APPLY_WRITES - len(performed)
    assert (
        f"Apply: {len(performed)} applied, 0 failed, 0 skipped, {not_started} not started." in out
    )
    assert f"Stopped: interrupted by {name}; no write was started after that (in flight" in out
    assert f"error: interrupted by {name}" in err
    assert len(performed) == k

    # The audit log: every write, then nothing after the in-flight ones but their records.
    lines = audit_lines(tmp_path / "audit.jsonl")
    statuses = [line["status"] for line in lines]
    assert statuses.count("interrupted") == 1
    assert statuses.count("ok") == len(performed)
    interrupted = next(line for line in lines if line["status"] == "interrupted")
    assert interrupted["signal"] == name
    assert interrupted["in_flight"] == [record_id(lines[-1])]
    # Each record was on disk before the next write started, whatever the concurrency.
    assert signaller.records_at_signal == ["start"] + ["ok"] * (k - 1)
    assert statuses == ["start"] + ["ok"] * (k - 1) + ["interrupted", "ok"]

    rerun = cli("apply", "--yes")
    assert rerun.code == 0, rerun.out + rerun.err
    final_plan(cli)
    assert_recovered(recorder, planned)
    assert_fixture_config_state(sandbox)


def test_a_second_signal_exits_at_once_with_whole_audit_lines(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path, forks: Forkserver
) -> None:
    planned = fresh_planned_keys(cli)
    k = 8
    code, _out, err, recorder, signaller = _run_interrupted(
        sandbox, tmp_path, forks, k=k, signum=signal.SIGINT, concurrency=1, twice=True
    )

    assert code == 130, err
    assert "second signal (SIGINT)" in err
    assert recorder.writes[signaller.writes_at_signal :] == []
    lines = audit_lines(tmp_path / "audit.jsonl")
    # The write in flight never got its answer, so it has no record: the trail names it.
    statuses = [line["status"] for line in lines]
    assert statuses == ["start"] + ["ok"] * (k - 1) + ["interrupted", "aborted"]
    assert "without waiting" in lines[-1]["error"]
    (in_flight,) = lines[-1]["in_flight"]
    changes = {c["id"]: c for c in fresh_plan_changes(cli)}
    assert change_key(changes[in_flight]) == recorder.performed()[k - 1].resource

    rerun = cli("apply", "--yes")
    assert rerun.code == 0, rerun.out + rerun.err
    final_plan(cli)
    assert_recovered(recorder, planned)


def test_a_signal_before_any_write_writes_nothing(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path, forks: Forkserver
) -> None:
    """SIGTERM while apply reads GitHub (held on its first read): exit 143, no write."""
    recorder = WriteRecorder(sandbox.github)
    sent = threading.Event()
    pid: list[int] = []
    started = threading.Event()
    previous = sandbox.github.on_request

    def on_read(record: Any) -> None:
        assert previous is not None
        previous(record)
        if record.method == "GET" and "/environments" in record.url and not sent.is_set():
            sent.set()
            started.wait(10)
            os.kill(pid[0], signal.SIGTERM)

    sandbox.github.on_request = on_read
    output, errors = tmp_path / "apply.out", tmp_path / "apply.err"
    process = forks.spawn(
        ["apply", "--yes", "-c", str(FIXTURE_CONFIG)],
        cwd=tmp_path,
        env=os.environ,
        output=output,
        errors=errors,
    )
    pid.append(process.pid)
    started.set()
    code = process.wait(timeout=120)
    out, err = output.read_text(), errors.read_text()

    assert sent.is_set()
    assert code == 143, out + err
    assert "error: interrupted by SIGTERM before any write; nothing was written" in err
    assert "Traceback" not in err
    assert recorder.writes == []
