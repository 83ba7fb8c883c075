"""The emulator, the run's token and the files a workflow's steps leave, for the tests
of `reconcile publish`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from contract_support import ContractValidator

from reconciler.model.payloads import VariablePayload
from reconciler.model.plan import Change, Plan, Resource
from reconciler.sandbox.github import GitHubEmulator

OWNER, REPO = "acme", "config"
BOT = "github-actions[bot]"
RUN_TOKEN = "ghs_the_runs_own_token"
RUN_URL = f"https://github.com/{OWNER}/{REPO}/actions/runs/42"
SINCE = "2025-06-01T16:17:00Z"


@pytest.fixture
def github(
    contract_validator: ContractValidator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[GitHubEmulator]:
    """The emulator as a workflow run in acme/config sees it (its token, its variables)."""
    emu = start_github(contract_validator, monkeypatch, tmp_path)
    yield emu
    emu.stop()


def start_github(
    validator: ContractValidator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> GitHubEmulator:
    """The repository holding environments.yaml, and a workflow run's environment in it."""
    emu = GitHubEmulator()
    emu.start()
    emu.on_request = validator.record
    emu.add_org(OWNER, owners=["admin"])
    emu.add_repo(OWNER, REPO)
    emu.add_user("mallory")
    emu.add_actions_token(RUN_TOKEN, OWNER, REPO)
    for name, value in {
        "GITHUB_API_URL": emu.url,
        "GH_TOKEN": RUN_TOKEN,
        "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "42",
        "GITHUB_STEP_SUMMARY": str(Path.cwd() / "summary.md"),
    }.items():
        monkeypatch.setenv(name, value)
    return emu


def changes_plan(count: int = 1) -> Plan:
    return Plan.build(
        [
            Change.update(
                Resource.VARIABLE,
                repository=f"{OWNER}/app",
                environment="prod",
                name=f"SETTING_{i:05d}" if count > 1 else "AWS_REGION",
                before=VariablePayload("us-east-1"),
                after=VariablePayload(f"eu-west-1-é✓-{i}" if count > 1 else "eu-west-1"),
                reason="value differs",
            )
            for i in range(count)
        ],
        [],
        [],
    )


def write_plan(path: Path, plan: Plan) -> None:
    path.write_text(json.dumps(plan.to_json(), indent=2) + "\n", encoding="utf-8")


def write_audit(path: Path, *verdicts: str) -> None:
    rows: list[dict[str, Any]] = [
        {
            "repository": f"{OWNER}/app",
            "environment": "prod",
            "deployment_id": 100 + i,
            "run_id": 500 + i,
            "created_at": "2025-06-02T08:00:00Z",
            "sha": "3f2c1e0",
            "ref": "main",
            "triggered_by": "alice",
            "approved_by": ["bob"] if verdict == "approved" else [],
            "skipped_by": ["root"] if verdict == "bypassed" else [],
            "verdict": verdict,
            "detail": "",
        }
        for i, verdict in enumerate(verdicts)
    ]
    doc = {"version": 1, "since": SINCE, "deployments": rows, "findings": []}
    path.write_text(json.dumps(doc), encoding="utf-8")


def requests_made(emu: GitHubEmulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emu.requests]
