"""Apply's trail and its exclusivity (issue 11, items 2, 4 and 9).

The audit log is checked before anything is read or asked, a record that
cannot be written stops further writes, one apply per owner runs at a time
on a machine, and bad input at the edges (a plan file of the wrong shape,
Ctrl-D at the prompt) is one line, never a traceback.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.run.lock import apply_lock, canonical_api_url, lock_path
from reconciler.sandbox.runner import Sandbox

from .helpers import FIXTURE_CONFIG, CliResult, CliRunner, writes

FRESH_CHANGES = 23
APPLY = [sys.executable, "-m", "reconciler", "apply", "--yes"]


def _one_error(result: CliResult) -> str:
    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    return errors[0]


@pytest.mark.parametrize(
    ("where", "reason"),
    [("missing/audit.jsonl", "No such file or directory"), (".", "Is a directory")],
    ids=["missing folder", "a directory"],
)
def test_an_unusable_audit_log_stops_apply_before_github_is_read(
    where: str, reason: str, cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / where
    line = _one_error(cli("apply", "--yes", "--audit-log", path))
    assert line == (
        f"error: cannot open the audit log {path}: {reason}; nothing was read or written"
    )
    assert sandbox.github.requests == []


PR_CAPBSET_DROP, CAP_DAC_OVERRIDE = 24, 1  # <linux/prctl.h>, <linux/capability.h>


def _without_root_override() -> None:
    """In the child before exec: root keeps its uid but loses CAP_DAC_OVERRIDE, the
    capability that lets it write a read-only file. A no-op for other users."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE)")


def test_a_read_only_audit_log_is_one_line_and_no_request(tmp_path: Path) -> None:
    """As a real process (file modes do not bind root, so it runs without the override).
    The audit log is refused before any GitHub or AWS access: the endpoints are dead."""
    audit = tmp_path / "audit.jsonl"
    audit.write_text("")
    audit.chmod(0o444)
    env = {
        **os.environ,
        "GITHUB_API_URL": "http://127.0.0.1:9",
        "GITHUB_TOKEN": "unused",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    result = _apply_process(audit, tmp_path, env=env, preexec_fn=_without_root_override)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == (
        f"error: cannot open the audit log {audit}: Permission denied; "
        "nothing was read or written\n"
    )
    assert audit.read_text() == ""


def _apply_process(
    audit: Path | str,
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`reconcile apply --yes --audit-log AUDIT` as a process of its own."""
    return subprocess.run(
        [*APPLY, "-c", str(FIXTURE_CONFIG), "--audit-log", str(audit)],
        env=dict(os.environ) if env is None else env,
        cwd=cwd,
        preexec_fn=preexec_fn,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_audit_log_that_cannot_take_a_line_refuses_the_run(
    cli: CliRunner, sandbox: Sandbox
) -> None:
    """/dev/full opens fine and refuses every write (ENOSPC), as a full disk does: the
    `start` record written at open finds that out before anything is read or asked."""
    line = _one_error(cli("apply", "--yes", "--audit-log", "/dev/full"))
    assert line == (
        "error: cannot write to the audit log /dev/full: No space left on device; "
        "nothing was read or written"
    )
    assert sandbox.github.requests == []


def test_a_fifo_that_no_process_reads_refuses_the_run(sandbox: Sandbox, tmp_path: Path) -> None:
    """Opening a FIFO for writing waits for a reader; reconcile says so instead of hanging
    (a process of its own: on a build that hangs, the test fails after 60 s)."""
    fifo = tmp_path / "audit.fifo"
    os.mkfifo(fifo)
    result = _apply_process(fifo, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == (
        f"error: cannot open the audit log {fifo}: it is a FIFO that no process is reading; "
        "nothing was read or written\n"
    )
    assert sandbox.github.requests == []


def test_a_fifo_with_a_reader_gets_the_whole_trail(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    fifo = tmp_path / "audit.fifo"
    os.mkfifo(fifo)
    lines: list[str] = []
    opened = threading.Event()

    def read() -> None:
        with fifo.open(encoding="utf-8") as reader:
            opened.set()
            lines.extend(reader)

    reader = threading.Thread(target=read)
    reader.start()
    # Until the thread is inside its open, there is no reader yet and apply refuses.
    for _ in range(100):
        result = cli("apply", "--yes", "--audit-log", fifo)
        if "no process is reading" not in result.err:
            break
    reader.join(30)
    assert opened.is_set()
    assert result.code == 0, result.out + result.err
    statuses = [json.loads(line)["status"] for line in lines]
    assert statuses == ["start"] + ["ok"] * FRESH_CHANGES


def test_the_audit_log_is_synced_whole_lines(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    audit.write_text('{"earlier": "run"}\n')
    assert cli("apply", "--yes", "--audit-log", audit).code == 0
    lines = audit.read_text().splitlines()
    assert json.loads(lines[0]) == {"earlier": "run"}  # appended, never truncated
    start = json.loads(lines[1])
    assert start.keys() == {"time", "status", "pid", "config"}
    assert (start["status"], start["pid"]) == ("start", os.getpid())
    records = [json.loads(line) for line in lines[2:]]
    assert len(records) == FRESH_CHANGES
    assert all(r["status"] == "ok" and r["note"] is None for r in records)


def test_a_second_apply_of_the_same_owner_is_refused_naming_the_holder(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A real apply process holds the lock (held at its first write); an apply started
    meanwhile is refused at once, naming that process, and writes nothing."""
    first_write = threading.Event()
    release = threading.Event()
    previous = sandbox.github.on_request

    def hold_first_write(record: Any) -> None:
        assert previous is not None
        previous(record)
        if record.method != "GET" and not first_write.is_set():
            first_write.set()
            release.wait(60)

    sandbox.github.on_request = hold_first_write
    # One worker: its held write is the only request of that process in flight.
    process = subprocess.Popen(
        [*APPLY, "-c", str(FIXTURE_CONFIG), "--concurrency", "1"],
        env=dict(os.environ),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first_write.wait(60), "the first apply never wrote"
        before = len(sandbox.github.requests)
        line = _one_error(cli("apply", "--yes"))
        assert sandbox.github.requests[before:] == []
    finally:
        release.set()
        out, err = process.communicate(timeout=120)
    assert line.startswith("error: another reconcile apply for Alpha-Swarm-ai on http://127.0.0.1:")
    assert f"(pid {process.pid} of " in line
    assert f"config {FIXTURE_CONFIG}" in line
    assert "nothing was written" in line
    assert process.returncode == 0, out + err
    # The lock went with the process: the next apply runs (and finds nothing to do).
    again = cli("apply", "--yes")
    assert again.code == 0, again.err
    assert "No changes" in again.out


def test_the_lock_is_per_owner_and_released_on_exit(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    with apply_lock("Alpha-Swarm-ai", config=FIXTURE_CONFIG):
        line = _one_error(cli("apply", "--yes"))
        assert f"(pid {os.getpid()} of " in line
        with apply_lock("someone-else", config=FIXTURE_CONFIG):
            pass
    assert writes(sandbox) == []
    assert cli("apply", "--yes").code == 0


def _sandbox_url() -> str:
    return os.environ["GITHUB_API_URL"].rstrip("/")


@pytest.mark.parametrize(
    "spelling",
    [
        "{scheme}://{host}:{port}/",
        "{SCHEME}://{host}:{port}",
        "{scheme}://{host}.:{port}//",
    ],
    ids=["trailing slash", "upper-case scheme", "host's trailing dot, doubled slash"],
)
def test_spellings_of_one_api_take_one_lock(
    spelling: str, cli: CliRunner, sandbox: Sandbox
) -> None:
    scheme, _, rest = _sandbox_url().partition("://")
    host, _, port = rest.partition(":")
    other = spelling.format(scheme=scheme, SCHEME=scheme.upper(), host=host, port=port)
    held = {**os.environ, "GITHUB_API_URL": other}
    with apply_lock("ALPHA-SWARM-AI", config=FIXTURE_CONFIG, environ=held):
        line = _one_error(cli("apply", "--yes"))
    assert line.startswith(
        f"error: another reconcile apply for Alpha-Swarm-ai on {_sandbox_url()} "
    )
    assert writes(sandbox) == []


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://api.github.com", "HTTPS://API.GitHub.com:443/"),
        ("http://127.0.0.1:80/api/v3", "http://127.0.0.1/api/v3/"),
        ("https://[::1]:8443", "https://[0:0:0:0:0:0:0:1]:8443/"),
        ("https://ghe.example.com/api/v3", "https://GHE.example.com.//api//v3//"),
    ],
)
def test_what_needs_no_dns_is_folded_into_one_lock_key(one: str, other: str) -> None:
    assert canonical_api_url(one) == canonical_api_url(other)
    assert lock_path(one, "acme") == lock_path(other, "acme")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("http://localhost:8080", "http://127.0.0.1:8080"),  # needs DNS: two locks
        ("https://ghe.example.com/api/v3", "https://ghe.example.com:8443/api/v3"),
        ("http://ghe.example.com", "https://ghe.example.com"),
    ],
)
def test_what_needs_dns_or_differs_stays_two_lock_keys(one: str, other: str) -> None:
    assert lock_path(one, "acme") != lock_path(other, "acme")


def test_canonical_url_never_keeps_a_password() -> None:
    assert canonical_api_url("https://user:hunter2@ghe.example.com/api/v3") == (
        "https://ghe.example.com/api/v3"
    )


def _sandbox_lock() -> Path:
    path = lock_path(_sandbox_url(), "Alpha-Swarm-ai")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


PLANTED = {
    "a symbolic link": (Path.symlink_to, "is a symbolic link;"),
    "a hard link": (lambda path, victim: os.link(victim, path), "has other hard links;"),
}


@pytest.mark.parametrize(("plant", "said"), list(PLANTED.values()), ids=list(PLANTED))
def test_a_link_planted_at_the_lock_path_is_refused_and_its_target_kept(
    plant: Any, said: str, cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("do not truncate me\n")
    path = _sandbox_lock()
    plant(path, victim)

    line = _one_error(cli("apply", "--yes"))

    assert line.startswith(f"error: the apply lock {path} {said}")
    assert line.endswith("run apply again. Nothing was read or written")
    assert victim.read_text() == "do not truncate me\n"
    assert sandbox.github.requests == []


DEEP = "[" * 100_000 + "]" * 100_000
CHANGE = {
    "action": "create",
    "resource": "variable",
    "repository": "Alpha-Swarm-ai/alphaswarm_admin",
    "environment": "dev",
    "name": "X",
    "before": None,
    "after": {"value": "1"},
    "reason": "missing",
}
BAD_PLANS = {
    "a list": ("[]", "the plan is a list, expected an object"),
    "a string": ('"plan"', "the plan is a string, expected an object"),
    "null": ("null", "the plan is null, expected an object"),
    "a number": ("7", "the plan is a number, expected an object"),
    "no version": ("{}", "unsupported plan version None; expected 1"),
    "changes not a list": (
        '{"version": 1, "changes": {}, "findings": []}',
        "the plan.changes is an object, expected a list",
    ),
    "a change not an object": (
        '{"version": 1, "changes": [3], "findings": []}',
        "changes[0] is a number, expected an object",
    ),
    "a field of the wrong type": (
        json.dumps({"version": 1, "changes": [{**CHANGE, "name": 5}], "findings": []}),
        "changes[0].name is a number, expected a string",
    ),
    "before not an object": (
        json.dumps({"version": 1, "changes": [{**CHANGE, "before": "x"}], "findings": []}),
        "changes[0].before is a string, expected an object or null",
    ),
    "an unknown action": (
        json.dumps({"version": 1, "changes": [{**CHANGE, "action": "nuke"}], "findings": []}),
        "changes[0].action is 'nuke', expected one of create, update, delete",
    ),
    "a field missing": (
        json.dumps({"version": 1, "changes": [], "findings": [{"severity": "error"}]}),
        "findings[0] has no 'code'",
    ),
    "deeply nested": (DEEP, "its JSON is nested too deeply"),
    "not JSON": ("{version: 1", "invalid JSON at line 1 column 2"),
}


@pytest.mark.parametrize(("text", "message"), list(BAD_PLANS.values()), ids=list(BAD_PLANS))
def test_a_plan_file_of_the_wrong_shape_is_one_line(
    text: str, message: str, cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    line = _one_error(cli("apply", "--yes", "--plan", path))
    assert line.startswith(f"error: {path} is not a reconcile plan file: "), line
    assert message in line
    assert sandbox.github.requests == []


def test_a_plan_file_that_is_not_text_is_one_line(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    line = _one_error(cli("apply", "--yes", "--plan", path))
    assert "is not a reconcile plan file: not UTF-8 text" in line


class _TerminalAtEndOfInput:
    """stdin of a terminal where the user pressed Ctrl-D: reads return nothing."""

    def isatty(self) -> bool:
        return True

    def readline(self, *_: object) -> str:
        return ""

    def read(self, *_: object) -> str:
        return ""


def test_ctrl_d_at_the_prompt_cancels_with_one_line(
    cli: CliRunner, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", _TerminalAtEndOfInput())
    result = cli("apply")
    assert "Apply 23 change(s) to GitHub?" in result.out
    line = _one_error(result)
    assert line == "error: apply cancelled: no answer (end of input); nothing was written"
    assert writes(sandbox) == []
