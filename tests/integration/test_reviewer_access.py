"""Reviewer access as GitHub judges it (issue 10): plan with read-only credentials,
and team reviewers whose access comes from a parent team."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.sandbox.runner import Sandbox

from .helpers import (
    ADMIN,
    FIXTURE_CONFIG,
    OWNER,
    PLATFORM,
    CliRunner,
    SandboxFactory,
    finding_codes,
    plan_json,
    writes,
)
from .test_plan_cli import converge

STAGING_REVIEWERS = "reviewers: [team:platform-approvers]"


def _config(tmp_path: Path, staging_reviewers: str) -> Path:
    text = FIXTURE_CONFIG.read_text(encoding="utf-8")
    assert STAGING_REVIEWERS in text
    path = tmp_path / "environments.yaml"
    path.write_text(text.replace(STAGING_REVIEWERS, staging_reviewers), encoding="utf-8")
    return path


def _read_only(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", sandbox.read_token)


def test_read_only_plan_of_a_converged_state_exits_0(
    cli: CliRunner, converged: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _read_only(converged, monkeypatch)
    before = len(converged.github.requests)

    result = cli("plan", "--detailed-exitcode", "--format", "json")

    assert result.code == 0, result.err
    assert plan_json(result.out)["findings"] == []
    assert writes(converged, before) == []
    # Every read but the handoff token check (which uses the token it checks).
    handoff_check = f"/repos/{OWNER}/{PLATFORM}"
    readers = {r.identity for r in converged.github.requests[before:] if r.path != handoff_check}
    assert readers == {"sandbox-reader"}


def test_read_only_plan_warns_when_it_cannot_verify_a_user_reviewer(
    cli: CliRunner,
    make_sandbox: SandboxFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """GitHub shows a collaborator's permission only to callers with push access: the
    plan still completes, says so in a warning, and exits 2 for the change, never 1."""
    sandbox = make_sandbox(FIXTURE_CONFIG)
    converge(cli)
    config = _config(
        tmp_path, "reviewers: [team:platform-approvers, user:alphaswarm-release-manager]"
    )
    _read_only(sandbox, monkeypatch)
    before = len(sandbox.github.requests)

    result = cli("plan", "-c", config, "--detailed-exitcode", "--format", "json")

    assert result.code == 2, result.err
    doc = plan_json(result.out)
    assert doc["summary"]["errors"] == 0
    assert finding_codes(doc) == ["github.reviewer_access_unverified"] * 2
    assert {f["severity"] for f in doc["findings"]} == {"warning"}
    assert "push access" in doc["findings"][0]["message"]
    assert {c["environment"] for c in doc["changes"]} == {"staging"}
    assert writes(sandbox, before) == []

    # Apply with the same read-only token writes nothing: it could not verify.
    refused = cli("apply", "--yes", "-c", config)
    assert refused.code == 1
    assert "blocked by warning finding github.reviewer_access_unverified" in refused.out
    assert writes(sandbox, before) == []

    # Apply with write access verifies the reviewer, then writes.
    monkeypatch.setenv("GITHUB_TOKEN", sandbox.token)
    applied = cli("apply", "--yes", "-c", config)
    assert applied.code == 0, applied.out + applied.err
    assert "reviewer_access_unverified" not in applied.out


def test_a_child_team_with_inherited_access_is_accepted_as_a_reviewer(
    cli: CliRunner, converged: Sandbox, tmp_path: Path
) -> None:
    """platform-oncall has no access of its own: it inherits platform-approvers'.
    GitHub keeps such a team as a reviewer, so plan accepts it and apply converges."""
    converged.github.add_team(
        OWNER, "platform-oncall", ["oncall-carol"], parent="platform-approvers"
    )
    config = _config(tmp_path, "reviewers: [team:platform-oncall]")

    result = cli("plan", "-c", config, "--format", "json")
    doc = plan_json(result.out)
    assert doc["findings"] == [], doc["findings"]
    assert result.code == 0

    applied = cli("apply", "--yes", "-c", config)
    assert applied.code == 0, applied.out + applied.err
    for repo in (PLATFORM, ADMIN):
        env = converged.github.environment_json(OWNER, repo, "staging")
        assert env is not None
        rule = next(r for r in env["protection_rules"] if r["type"] == "required_reviewers")
        assert [r["reviewer"]["slug"] for r in rule["reviewers"]] == ["platform-oncall"]


def test_a_team_without_any_access_is_still_an_error(
    cli: CliRunner, converged: Sandbox, tmp_path: Path
) -> None:
    converged.github.add_team(OWNER, "strangers", ["stranger-dan"])
    config = _config(tmp_path, "reviewers: [team:strangers]")
    result = cli("plan", "-c", config, "--format", "json", "--detailed-exitcode")
    assert result.code == 2
    assert finding_codes(plan_json(result.out)) == ["github.reviewer_no_access"] * 2
