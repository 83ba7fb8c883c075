"""Quiet, honest logs (issue 13): one line per event, failures at error with their status,
short console lines, and progress that never shares a line with a log line.

`reconcile` runs as its own process, as a user starts it, so PyGithub is imported
after the logs are configured (the case that printed every library line twice).
The console case runs on a pseudo-terminal and the screen is read back through a
terminal emulator (pyte), which is what the user would see.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pyte

from reconciler.sandbox.github import FaultRule
from reconciler.sandbox.runner import Sandbox

COLUMNS, ROWS = 120, 40
# 23 changes on a fresh sandbox; the 12 variable creates are refused with 403.
CHANGES, REFUSED = 23, 12
REFUSE_VARIABLES = FaultRule("POST", r"/variables$", times=1000, kind="status", status=403)
CLOCK = re.compile(r"^\d\d:\d\d:\d\d \[")


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "reconciler", *args]


def test_json_logs_one_line_per_write_failures_at_error(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.github.add_fault(REFUSE_VARIABLES)
    run = subprocess.run(
        _command("apply", "--yes", "--log-format", "json"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    lines = [json.loads(line) for line in run.stderr.splitlines()]  # every line is JSON
    writes = [line for line in lines if "status" in line]
    assert [line["event"] for line in lines if line not in writes] == []
    assert len(writes) == CHANGES, run.stderr
    failed = [w for w in writes if w["status"] == "failed"]
    assert len(failed) == REFUSED
    assert {(w["level"], w["http_status"]) for w in failed} == {("error", 403)}
    assert all("403" in w["error"] for w in failed)
    assert {w["level"] for w in writes if w["status"] == "ok"} == {"info"}
    assert all("time" not in w for w in writes), "one timestamp per line"
    assert all(set(w) >= {"timestamp", "repository", "environment", "actor"} for w in writes)
    assert not any("console_omit" in w for w in writes)


def _run_on_terminal(args: list[str]) -> tuple[int, str, str]:
    """(exit code, standard output, what standard error put on the terminal)."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
    with subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower, env=env
    ) as child:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the child
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert child.stdout is not None
        out = child.stdout.read().decode()
        code = child.wait(timeout=300)
    os.close(leader)
    return code, out, b"".join(chunks).decode("utf-8", "replace")


def _screen(raw: str) -> list[str]:
    """Every line the terminal showed, scrolled off or not, as the user saw it."""
    screen = pyte.HistoryScreen(COLUMNS, ROWS, history=10_000)
    pyte.Stream(screen).feed(raw)
    history = ["".join(c.data for c in row.values()) for row in screen.history.top]
    return [line.rstrip() for line in [*history, *screen.display] if line.strip()]


def test_console_lines_are_short_and_progress_never_shares_a_line(sandbox: Sandbox) -> None:
    sandbox.github.add_fault(REFUSE_VARIABLES)
    code, out, raw = _run_on_terminal(_command("apply", "--yes"))
    assert code == 1, raw
    assert "Apply: 11 applied, 12 failed, 0 skipped" in out, out
    screen = _screen(raw)
    events = [line for line in screen if CLOCK.match(line)]
    # One event per write; a refused write is an error with GitHub's status.
    assert len(events) == CHANGES, screen
    ok = [e for e in events if "[info" in e]
    refused = [e for e in events if "[error" in e]
    assert len(refused) == REFUSED and all("http_status=403" in e for e in refused)
    assert all(e.startswith(tuple("0123456789")) for e in events)
    # Short: a successful write fits one line of the terminal, with one time of day.
    assert len(ok) == CHANGES - REFUSED
    for line in ok:
        assert re.fullmatch(
            r"\d\d:\d\d:\d\d \[info\s*\] created \S+ \S+ in \S+ http_status=20\d", line
        )
    assert not any("None" in line or re.search(r"\d{4}-\d\d-\d\dT", line) for line in screen)
    # Whatever is not an event's first line continues a long (refused) one, never progress.
    for line in screen:
        assert "Writing changes" not in line and "Reading GitHub" not in line, line
    assert "Request POST" not in raw, "PyGithub's own line must not appear"
    # The bars were drawn, with counts, before they were cleared.
    assert "Writing changes" in raw and f"{CHANGES}/{CHANGES}" in raw
    assert "Reading GitHub repositories" in raw and "2/2" in raw
