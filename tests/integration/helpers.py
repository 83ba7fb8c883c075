"""Shared helpers for the CLI integration tests against the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isolation import FIXTURE_CONFIG

from reconciler.sandbox.runner import Sandbox

__all__ = ["FIXTURE_CONFIG"]
SandboxFactory = Callable[..., Sandbox]


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


CliRunner = Callable[..., CliResult]

OWNER = "Alpha-Swarm-ai"
PLATFORM = "alphaswarm_platform"
ADMIN = "alphaswarm_admin"


def run_reconcile(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`reconcile ARGS...` as its own process, as a shell or a CI job runs it."""
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=None if env is None else dict(env),
        timeout=120,
        check=False,
    )


def writes(sandbox: Sandbox, since: int = 0) -> list[str]:
    """The write requests the emulator has seen (after request number `since`)."""
    return [f"{r.method} {r.path}" for r in sandbox.github.requests[since:] if r.method != "GET"]


def plan_json(out: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(out)
    return data


def change_ids(doc: dict[str, Any]) -> list[str]:
    return [c["id"] for c in doc["changes"]]


def finding_codes(doc: dict[str, Any]) -> list[str]:
    return sorted(f["code"] for f in doc["findings"])


def audit_records(path: Path) -> list[dict[str, Any]]:
    """The records of one apply's audit file after its `start` record (checked to be first)."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines and lines[0]["status"] == "start", lines[:1]
    return lines[1:]
