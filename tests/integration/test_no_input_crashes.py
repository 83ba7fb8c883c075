"""No input makes reconcile crash (issue 17, item 5): a device given as the saved
plan, GitHub answers nested thousands deep, a field of the wrong type during
verification. Each is one error line and exit 1, never a traceback, and every
write that was made is in the audit log.

The hostile answers come from the emulator over real HTTP (`FaultRule` of kind
"body"); they are no GitHub answers, so the contract validator is off for them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import reconciler
from reconciler.sandbox.github.records import FaultRule
from reconciler.sandbox.runner import Sandbox

from .helpers import CliResult, CliRunner, writes

DEEP = b"[" * 5000 + b"]" * 5000
# Python's JSON decoder gives up past about 1,000 levels; reconcile stops at 64.
DEEP_SAYS = "with a body that nests more than 64 levels deep"


def _error_lines(result: CliResult) -> list[str]:
    assert "Traceback" not in result.err, result.err
    return [line for line in result.err.splitlines() if line.startswith("error: ")]


def _audit(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def converged(converged: Sandbox) -> Sandbox:
    # What follows answers as no GitHub does: not for the contract validator.
    converged.github.on_request = None
    return converged


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_the_saved_plan_is_one_line(device: str, tmp_path: Path) -> None:
    # In a process of its own, under a memory limit: without the cap on the plan
    # file's size it reads the device until memory runs out.
    limited = (
        "import resource, runpy, sys;"
        "resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024,) * 2);"
        f"sys.argv = ['reconcile', 'apply', '--yes', '--plan', {device!r}];"
        "runpy.run_module('reconciler', run_name='__main__')"
    )
    # The code under test, wherever the package is installed from.
    source = str(Path(reconciler.__file__).resolve().parents[1])
    proc = subprocess.run(
        [sys.executable, "-c", limited],
        capture_output=True,
        text=True,
        cwd=Path.cwd(),
        env={**os.environ, "PYTHONPATH": source},
        timeout=120,
        check=False,
    )

    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == (
        f"error: {device} is not a reconcile plan file: it holds more than 67,108,864 "
        "bytes (64 MiB), the limit for a saved plan\n"
    )
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "path",
    [
        r"^/rate_limit$",
        r"/alphaswarm_admin/environments$",
        r"/alphaswarm_admin/environments/prod/variables$",
        r"/alphaswarm_admin/environments/prod/secrets$",
        r"/alphaswarm_admin/environments/prod/deployment-branch-policies$",
        r"/alphaswarm_admin/actions/variables$",
        r"^/orgs/[^/]+/teams/platform-approvers$",
        r"^/users/alphaswarm-release-manager$",
    ],
    ids=[
        "rate-limit",
        "environments",
        "variables",
        "secrets",
        "branch-policies",
        "repository-variables",
        "team",
        "user",
    ],
)
def test_a_deeply_nested_answer_to_a_read_is_one_line(
    path: str, cli: CliRunner, converged: Sandbox
) -> None:
    converged.github.add_fault(FaultRule("GET", path, kind="body", status=200, body=DEEP))
    before = len(converged.github.requests)

    result = cli("plan")

    assert result.code == 1
    lines = _error_lines(result)
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: GitHub answered 200 to GET /"), lines[0]
    assert DEEP_SAYS in lines[0]
    assert writes(converged, before) == []


def test_a_deeply_nested_answer_to_an_environment_write_is_recorded(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.github.on_request = None
    sandbox.github.add_fault(
        FaultRule("PUT", r"/alphaswarm_admin/environments/dev$", kind="body", status=200, body=DEEP)
    )
    audit = tmp_path / "audit.jsonl"

    result = cli("apply", "--yes", "--audit-log", audit)

    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    records = _audit(audit)
    written = [r for r in records if r.get("status") in {"ok", "failed"}]
    # Every write the emulator saw is in the audit log, the refused answer's too.
    assert len(written) == len(writes(sandbox)), (written, writes(sandbox))
    failed = [r for r in written if r["status"] == "failed"]
    assert [(r["repository"].split("/")[1], r["resource"], r["name"]) for r in failed] == [
        ("alphaswarm_admin", "environment", "dev")
    ]
    assert DEEP_SAYS in failed[0]["error"]
    assert DEEP_SAYS in result.out
    # The other repository was written in full.
    assert any("/alphaswarm_platform/environments/prod" in w for w in writes(sandbox))


def test_a_variable_name_of_the_wrong_type_during_verification_is_one_line(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.github.on_request = None
    # The environment does not exist yet: the first read of its variables is
    # apply's verification.
    odd = {"total_count": 1, "variables": [{"name": 5, "value": "x"}]}
    sandbox.github.add_fault(
        FaultRule(
            "GET",
            r"/alphaswarm_admin/environments/prod/variables$",
            kind="body",
            status=200,
            body=json.dumps(odd).encode(),
        )
    )
    audit = tmp_path / "audit.jsonl"

    result = cli("apply", "--yes", "--audit-log", audit)

    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    assert "Not verified: reading GitHub again failed: GitHub answered 200 while listing " in (
        result.out
    )
    written = [r for r in _audit(audit) if r.get("status") in {"ok", "failed"}]
    assert len(written) == len(writes(sandbox)) > 20
    assert all(r["status"] == "ok" for r in written)
