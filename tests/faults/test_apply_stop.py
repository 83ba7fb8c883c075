"""Stop means stop: after a signal no write reaches GitHub (issue 17, item 2).

Ten repositories, eight workers: while one write is held by the emulator, the
other workers have long decided to write and wait for the write slot, or read
a secret's public key first. The apply runs as a real process
(`reconcile apply --yes`, forked from one that has imported reconcile:
tests/forked.py; the closing terminal's, as `python -m reconciler`); the emulator stamps every request on
arrival (`GitHubEmulator.arrivals`, the clock of this process), so "nothing
arrived after the signal" is read from what GitHub saw, not from what the
process says.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from forked import ForkedRun, Forkserver
from integration.helpers import SandboxFactory

from reconciler.sandbox.github import FaultRule
from reconciler.sandbox.github.faults import Hold
from reconciler.sandbox.runner import Sandbox

from .support import TEN_WRITES, audit_lines, has_status, record_id, ten_repositories, wait_for


@dataclass
class Run:
    sandbox: Sandbox
    config: Path
    audit: Path
    out: Path
    err: Path


@pytest.fixture
def ten(make_sandbox: SandboxFactory, tmp_path: Path) -> Run:
    config = ten_repositories(tmp_path)
    return Run(
        make_sandbox(config),
        config,
        tmp_path / "audit.jsonl",
        tmp_path / "apply.out",
        tmp_path / "apply.err",
    )


@dataclass
class Apply:
    process: ForkedRun
    signalled: float = 0.0  # time.monotonic() just before the first signal

    def signal(self, signum: int) -> None:
        if not self.signalled:
            self.signalled = time.monotonic()
        os.kill(self.process.pid, signum)


@pytest.fixture
def start(ten: Run, tmp_path: Path, forks: Forkserver) -> Iterator[type[Apply]]:
    started: list[ForkedRun] = []

    class Started(Apply):
        def __init__(self) -> None:
            command = ["apply", "--yes", "-c", str(ten.config)]
            command += ["--audit-log", str(ten.audit), "--concurrency", "8"]
            process = forks.spawn(
                command, cwd=tmp_path, env=os.environ, output=ten.out, errors=ten.err
            )
            started.append(process)
            super().__init__(process)

    yield Started
    ten.sandbox.github.release_holds()
    for process in started:
        process.kill()
        process.wait(timeout=30)


def _late_writes(run: Run, since: float) -> list[str]:
    """Write requests that reached GitHub after `since`."""
    return [
        f"{a.method} {a.path}" for a in run.sandbox.github.arrivals if a.is_write and a.at > since
    ]


def _signal_while_held(run: Run, apply: Apply, signum: int, *holds: Hold) -> int:
    """Signal while `holds` keep their answers; let them go once the process took it.

    A write among them keeps every other write waiting (the turn), so no write can
    slip out between the signal being sent and the process taking it.
    """
    for hold in holds:
        assert hold.reached.wait(60), run.err.read_text()
    apply.signal(signum)
    wait_for(lambda: has_status(run.audit, "interrupted"), "the interrupted audit record")
    for hold in holds:
        hold.release()
    return apply.process.wait(timeout=120)


# In a new session, opening the terminal makes it the session's controlling terminal (as
# a login shell's is); then the same process becomes `python ARGS...`.
OWN_THE_TERMINAL = (
    "import os, sys; os.close(os.open(os.ttyname(0), os.O_RDWR)); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


@pytest.mark.parametrize(
    "signum",
    [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
    ids=lambda signum: signal.Signals(signum).name,
)
def test_no_write_reaches_github_after_the_signal(
    signum: int, ten: Run, start: type[Apply]
) -> None:
    """The 6th write is held: seven workers are waiting for the write slot by then."""
    hold = ten.sandbox.github.hold("WRITE", nth=6)
    apply = start()
    code = _signal_while_held(ten, apply, signum, hold)
    out, err = ten.out.read_text(), ten.err.read_text()

    assert code == 128 + signum, out + err
    assert "Traceback" not in err
    assert _late_writes(ten, apply.signalled) == []
    performed = [r for r in ten.sandbox.github.requests if r.is_write and r.status < 300]
    assert len(performed) == 6

    lines = audit_lines(ten.audit)
    assert [line["status"] for line in lines] == ["start"] + ["ok"] * 5 + ["interrupted", "ok"]
    held = record_id(lines[-1])  # the write in flight finished and was recorded
    name = signal.Signals(signum).name
    assert lines[-2]["signal"] == name
    assert lines[-2]["in_flight"] == [held]
    assert f"Apply: 6 applied, 0 failed, 0 skipped, {TEN_WRITES - 6} not started." in out
    assert (
        f"Stopped: interrupted by {name}; no write was started after that "
        f"(in flight then, let finish: {held})."
    ) in out
    assert f"error: interrupted by {name} (6 applied, {TEN_WRITES - 6} not started)" in err


def test_a_secret_whose_public_key_was_read_before_the_signal_is_not_written(
    ten: Run, start: type[Apply]
) -> None:
    """The second half of a compound change: the public key comes back after the signal,
    and the secret's PUT, already decided on, must not go out."""
    hold = ten.sandbox.github.hold("GET", r"/secrets/public-key$")
    apply = start()
    assert hold.reached.wait(60), ten.err.read_text()
    write = ten.sandbox.github.hold("WRITE")  # the next write to arrive
    code = _signal_while_held(ten, apply, signal.SIGINT, hold, write)
    out, err = ten.out.read_text(), ten.err.read_text()

    assert code == 130, out + err
    assert _late_writes(ten, apply.signalled) == []
    assert hold.request is not None
    repo = hold.request[1].split("/")[3]
    assert f"not started: alpha-swarm-ai/{repo}/dev/secret/db_password/create" in out
    assert ten.sandbox.github.secret_names("Alpha-Swarm-ai", repo, "dev") == []
    statuses = [line["status"] for line in audit_lines(ten.audit)]
    assert statuses.count("interrupted") == 1
    assert "failed" not in statuses


def test_a_second_signal_names_the_write_in_flight(ten: Run, start: type[Apply]) -> None:
    """The held write never gets its answer to the process: it may or may not have
    happened, and the `aborted` record says which write that is."""
    hold = ten.sandbox.github.hold("WRITE", nth=4)
    apply = start()
    assert hold.reached.wait(60), ten.err.read_text()
    apply.signal(signal.SIGTERM)
    wait_for(lambda: has_status(ten.audit, "interrupted"), "the interrupted audit record")
    apply.signal(signal.SIGTERM)
    code = apply.process.wait(timeout=60)
    hold.release()

    assert code == 143
    assert "second signal (SIGTERM)" in ten.err.read_text()
    assert _late_writes(ten, apply.signalled) == []
    lines = audit_lines(ten.audit)
    assert [line["status"] for line in lines] == ["start"] + ["ok"] * 3 + [
        "interrupted",
        "aborted",
    ]
    assert hold.request is not None
    repo = hold.request[1].split("/")[3]
    (in_flight,) = lines[-1]["in_flight"]
    assert in_flight.startswith(f"alpha-swarm-ai/{repo}/dev/")
    assert in_flight not in {record_id(line) for line in lines[1:4]}
    assert lines[-2]["in_flight"] == [in_flight]
    assert "may or may not have happened" in lines[-1]["error"]


def test_a_terminal_that_closes_stops_apply_like_sigterm(ten: Run, tmp_path: Path) -> None:
    """The real thing behind SIGHUP: apply runs on a pseudo-terminal that is its
    controlling terminal, and the terminal goes away (the kernel sends SIGHUP, and
    every later write to it fails). Exit 129, the trail complete, no late write."""
    hold = ten.sandbox.github.hold("WRITE", nth=6)
    master, slave = os.openpty()
    command = [sys.executable, "-c", OWN_THE_TERMINAL, "-m", "reconciler", "apply", "--yes"]
    command += ["-c", str(ten.config), "--audit-log", str(ten.audit), "--concurrency", "8"]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
    )
    os.close(slave)
    reading = _Drain(master)
    try:
        assert hold.reached.wait(60), reading.text()
        reading.stop()
        hung_up = time.monotonic()
        os.close(master)  # the terminal window closes
        wait_for(lambda: has_status(ten.audit, "interrupted"), "the interrupted audit record")
        hold.release()
        code = process.wait(timeout=120)
    finally:
        reading.stop()
        if process.poll() is None:
            process.kill()
            process.wait()

    assert code == 129, reading.text()
    assert _late_writes(ten, hung_up) == []
    lines = audit_lines(ten.audit)
    assert [line["status"] for line in lines] == ["start"] + ["ok"] * 5 + ["interrupted", "ok"]
    assert lines[-2]["signal"] == "SIGHUP"


class _Drain:
    """Reads the terminal's output, so the process never blocks on a full terminal."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._stop = threading.Event()
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._fd], [], [], 0.05)
            if ready:
                try:
                    self._chunks.append(os.read(self._fd, 65536))
                except OSError:
                    return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", "replace")


def test_a_write_that_failed_before_the_signal_is_not_retried_after_it(
    ten: Run, start: type[Apply]
) -> None:
    """GitHub answers 502 to a write (held until the signal is taken): its retry would be
    a write sent after the signal, so it is not sent, and the report says the change
    may be half done instead of calling it not started."""
    path = r"/repos/Alpha-Swarm-ai/svc-00/environments/dev$"
    ten.sandbox.github.add_fault(FaultRule(method="PUT", path=path, status=502))
    hold = ten.sandbox.github.hold("PUT", path)
    apply = start()
    code = _signal_while_held(ten, apply, signal.SIGINT, hold)
    out, err = ten.out.read_text(), ten.err.read_text()

    assert code == 130, out + err
    assert _late_writes(ten, apply.signalled) == []
    assert [a.method for a in ten.sandbox.github.arrivals if re.search(path, a.path)] == ["PUT"]
    change = "alpha-swarm-ai/svc-00/dev/environment/dev/create"
    assert (
        f"failed:  {change}: not finished: the run was stopped (interrupted by SIGINT) after "
        "part of it was sent; `reconcile plan` shows whether GitHub holds it"
    ) in out
    failed = [line for line in audit_lines(ten.audit) if line["status"] == "failed"]
    assert [record_id(line) for line in failed] == [change]
