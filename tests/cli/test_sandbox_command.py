"""`reconcile sandbox` as a user runs it (issue 3): a real process, its printed
exports, the tools a newcomer would point at it, and a clean stop."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import boto3
import pytest
import requests
from integration.helpers import ADMIN, FIXTURE_CONFIG, OWNER, run_reconcile

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
READ_ROLE = "aqp-reconciler-read"
EXPORTED = {
    "GITHUB_API_URL",
    "GITHUB_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
}
# Hang guards only, generous for a loaded machine: how fast the sandbox starts is
# measured in benchmarks/, never asserted here.
EXPORTS_HANG_GUARD = 60.0
STOP_HANG_GUARD = 60.0
# What werkzeug's request logging looks like: `127.0.0.1 - - [date] "GET /x HTTP/1.1" 200 -`
REQUEST_NOISE = ('HTTP/1.1"', '] "GET ', '] "POST ', '] "PUT ', "werkzeug")


# `python -m reconciler`, with Ctrl-C handled as in a terminal even when the tests run
# as a background job (which ignores SIGINT, and its children inherit that).
_AT_A_TERMINAL = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('reconciler', run_name='__main__', alter_sys=True)"
)


def _pump(stream: IO[str], lines: queue.Queue[str | None], sink: list[str]) -> None:
    for line in stream:
        sink.append(line)
        lines.put(line)
    lines.put(None)


class SandboxProcess:
    """`python -m reconciler sandbox -c environments.yaml`, its output read as it comes."""

    def __init__(self, cwd: Path, *extra: str) -> None:
        self._stdout: queue.Queue[str | None] = queue.Queue()
        self._stderr: queue.Queue[str | None] = queue.Queue()
        self.out: list[str] = []
        self.err: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _AT_A_TERMINAL, "sandbox", "-c", str(FIXTURE_CONFIG), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=dict(os.environ),
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._threads = [
            threading.Thread(target=_pump, args=(self.proc.stdout, self._stdout, self.out)),
            threading.Thread(target=_pump, args=(self.proc.stderr, self._stderr, self.err)),
        ]
        for thread in self._threads:
            thread.start()
        self.exports = self._read_exports()

    def _read_exports(self) -> dict[str, str]:
        """The `export K=V` lines, complete once the block's closing comment arrives."""
        deadline = time.monotonic() + EXPORTS_HANG_GUARD
        exports: dict[str, str] = {}
        while True:
            left = deadline - time.monotonic()
            try:
                line = self._stdout.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError(f"no exports yet; stdout {self.out!r}") from None
            if line is None:
                raise AssertionError(f"sandbox exited early: {''.join(self.err)}")
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                exports[key] = value
            elif exports and line.startswith("#"):
                return exports

    def stop(self, signum: int) -> int:
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=STOP_HANG_GUARD)
        self._join_pumps()
        return code

    def _join_pumps(self) -> None:
        # The pumps end when the process has closed its output; a live one would
        # mean a child process still holding stdout or stderr open.
        for thread in self._threads:
            thread.join(timeout=STOP_HANG_GUARD)
        assert not any(thread.is_alive() for thread in self._threads), "output still open"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for thread in self._threads:
            thread.join(timeout=STOP_HANG_GUARD)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[SandboxProcess]:
    sandbox = SandboxProcess(tmp_path)
    try:
        yield sandbox
    finally:
        sandbox.kill()


def _assert_stopped_cleanly(sandbox: SandboxProcess, code: int) -> None:
    err = "".join(sandbox.err)
    assert code == 0, err
    assert "sandbox stopped" in err
    assert "Traceback" not in err and "Exception" not in err, err
    noise = [line for line in err.splitlines() if any(n in line for n in REQUEST_NOISE)]
    assert noise == [], "request logging on the console"


def test_sandbox_serves_github_and_aws_then_stops_on_ctrl_c(
    running: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(running.exports) == EXPORTED
    env = {**os.environ, **running.exports}
    for key, value in running.exports.items():
        monkeypatch.setenv(key, value)

    validated = run_reconcile("validate", "-c", str(FIXTURE_CONFIG), env=env, cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr

    url = f"{running.exports['GITHUB_API_URL']}/repos/{OWNER}/{ADMIN}"
    token = running.exports["GITHUB_TOKEN"]
    answer = requests.get(url, headers={"Authorization": f"token {token}"}, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["full_name"] == f"{OWNER}/{ADMIN}"
    assert requests.get(url, timeout=10).status_code == 401

    # boto3 reads AWS_ENDPOINT_URL, the keys and the region from the exports by itself.
    sts = boto3.client("sts")
    for account in ACCOUNTS:
        creds = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{READ_ROLE}", RoleSessionName="newcomer"
        )["Credentials"]
        iam = boto3.client(
            "iam",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        role = iam.get_role(RoleName="aqp-gha-apply")["Role"]
        assert role["Arn"] == f"arn:aws:iam::{account}:role/aqp-gha-apply"

    planned = run_reconcile(
        "plan",
        "-c",
        str(FIXTURE_CONFIG),
        "--format",
        "json",
        "--detailed-exitcode",
        env=env,
        cwd=tmp_path,
    )
    assert planned.returncode == 2, planned.stderr
    doc = json.loads(planned.stdout)
    assert doc["changes"] and {c["action"] for c in doc["changes"]} == {"create"}
    assert doc["summary"]["errors"] == 0, doc["findings"]

    # The seeded job history: one deployment of each case docs/approvals.md describes.
    audited = run_reconcile(
        "approvals", "-c", str(FIXTURE_CONFIG), "--format", "json", env=env, cwd=tmp_path
    )
    assert audited.returncode == 0, audited.stderr
    verdicts = sorted(d["verdict"] for d in json.loads(audited.stdout)["deployments"])
    assert verdicts == [
        "approved",
        "approved",
        "bypassed",
        "not_required",
        "pending",
        "rejected",
        "self_approved",
        "unapproved",
    ]

    _assert_stopped_cleanly(running, running.stop(signal.SIGINT))
    assert any("reconcile approvals" in line for line in running.out)


def test_sandbox_stops_on_sigterm(running: SandboxProcess) -> None:
    assert set(running.exports) == EXPORTED
    answer = requests.get(
        f"{running.exports['GITHUB_API_URL']}/rate_limit",
        headers={"Authorization": f"token {running.exports['GITHUB_TOKEN']}"},
        timeout=10,
    )
    assert answer.status_code == 200
    _assert_stopped_cleanly(running, running.stop(signal.SIGTERM))


def test_sandbox_serves_on_the_port_asked_for(tmp_path: Path, closed_port: int) -> None:
    sandbox = SandboxProcess(tmp_path, "--port", str(closed_port))
    try:
        assert sandbox.exports["GITHUB_API_URL"] == f"http://127.0.0.1:{closed_port}"
        _assert_stopped_cleanly(sandbox, sandbox.stop(signal.SIGINT))
    finally:
        sandbox.kill()


def test_sandbox_on_a_busy_port_is_an_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_reconcile(
            "sandbox",
            "-c",
            str(FIXTURE_CONFIG),
            "--port",
            str(port),
            env=dict(os.environ),
            cwd=tmp_path,
        )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: cannot start the sandbox on port {port}: it is in use by another program; "
        "choose another --port, or leave --port out for any free port"
    ]
