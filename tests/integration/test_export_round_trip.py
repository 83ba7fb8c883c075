"""Brownfield adoption against the sandbox (issue 21): export what exists, plan it back.

The sandbox starts as the fixture config applies it (the runbook's shapes: no
review, one approval, 4-eyes with patterns), then gets environments the way
real repositories commonly have them, written straight into the emulator as a
person would in GitHub's settings. `reconcile export` must describe what is
live, so that `reconcile plan` of the exported file shows no change and no
error finding. `deployment_branches: protected` is applied, planned and
exported through the command line as a user would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from isolation import FIXTURE_CONFIG

from reconciler.config import load_desired
from reconciler.model.desired import DesiredState, EnvSecretSource
from reconciler.sandbox.runner import Sandbox

from .helpers import ADMIN, OWNER, PLATFORM, CliRunner, SandboxFactory, plan_json, writes

TEAM = "platform-approvers"
USER = "alphaswarm-release-manager"
PROTECTED = {"protected_branches": True, "custom_branch_policies": False}


def _brownfield(sandbox: Sandbox) -> None:
    emu = sandbox.github
    team = emu.add_team(OWNER, TEAM)
    person = emu.add_user(USER)
    for repo in (PLATFORM, ADMIN):
        # One reviewer, self-review prevented, administrators allowed to bypass
        # (GitHub's default for a PUT that does not name it).
        emu.put_environment(
            OWNER, repo, "hotfix", prevent_self_review=True, reviewers=[("User", person)]
        )
        # A team of two people: still not 4-eyes while administrators may bypass.
        emu.put_environment(
            OWNER, repo, "canary", prevent_self_review=True, reviewers=[("Team", team)]
        )
    # GitHub's "Protected branches only", with and without reviewers.
    emu.put_environment(
        OWNER,
        PLATFORM,
        "release",
        reviewers=[("Team", team)],
        deployment_branch_policy=(True, False),
    )
    emu.put_environment(OWNER, ADMIN, "preview", deployment_branch_policy=(True, False))


def _point_placeholders_at_values(desired: DesiredState, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a user does with the exported `{env: ...}` secrets before planning."""
    for repo in desired.repositories:
        secrets = [*repo.secrets.values()]
        secrets += [s for env in repo.environments for s in env.secrets.values()]
        for secret in secrets:
            assert isinstance(secret.source, EnvSecretSource)
            monkeypatch.setenv(secret.source.variable, "a-value")


def _plan(cli: CliRunner, sandbox: Sandbox, *args: str | Path) -> tuple[int, dict]:
    before = len(sandbox.github.requests)
    result = cli("plan", *args, "--format", "json", "--detailed-exitcode")
    assert writes(sandbox, before) == [], "plan must never write"
    assert result.code in (0, 2), result.err
    return result.code, plan_json(result.out)


def test_export_describes_what_is_live_and_plans_back_clean(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied = cli("apply", "--yes")
    assert applied.code == 0, applied.err
    _brownfield(sandbox)
    exported = tmp_path / "exported.yaml"
    result = cli("export", "-o", exported)
    assert result.code == 0, result.err

    desired = load_desired(exported)
    settings = {
        (repo.name, env.name): (
            env.required_approvals,
            env.prevent_self_review,
            env.admins_bypass,
            env.branch_policy,
        )
        for repo in desired.repositories
        for env in repo.environments
    }
    for repo in (PLATFORM, ADMIN):
        assert settings[(repo, "hotfix")] == (1, True, True, "all")
        assert settings[(repo, "canary")] == (1, True, True, "all")
        # The fixture's own shapes.
        assert settings[(repo, "dev")] == (0, False, None, "all")
        assert settings[(repo, "staging")] == (1, False, False, "all")
        assert settings[(repo, "prod")] == (2, True, False, "custom")
    assert settings[(PLATFORM, "release")] == (1, False, True, "protected")
    assert settings[(ADMIN, "preview")] == (0, False, None, "protected")
    text = exported.read_text(encoding="utf-8")
    assert "- its reviewers resolve to 1 of the two people needed (alphaswarm-release-manager)" in (
        text
    )
    assert text.count("- administrators may bypass its protection rules") == 2  # shared

    _point_placeholders_at_values(desired, monkeypatch)
    code, doc = _plan(cli, sandbox, "-c", exported)
    assert (code, doc["changes"], doc["summary"]["errors"]) == (0, [], 0), doc["findings"]


def test_protected_branches_are_validated_applied_planned_and_exported(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    text = FIXTURE_CONFIG.read_text(encoding="utf-8")
    config = tmp_path / "environments.yaml"
    staging = "    reviewers: [team:platform-approvers]\n"
    assert text.count(staging) == 1
    config.write_text(
        text.replace(staging, staging + "    deployment_branches: protected\n"), encoding="utf-8"
    )
    assert cli("validate", "-c", config).code == 0
    sandbox = make_sandbox(config)

    applied = cli("apply", "--yes", "-c", config)
    assert applied.code == 0, applied.err
    for repo in (PLATFORM, ADMIN):
        staged = sandbox.github.environment_json(OWNER, repo, "staging")
        assert staged is not None and staged["deployment_branch_policy"] == PROTECTED
    assert _plan(cli, sandbox, "-c", config)[0] == 0

    # prod moves from its patterns to protected branches only.
    refs = '    deployment_branches: [main]\n    deployment_tags: ["v*"]\n'
    switched = config.read_text(encoding="utf-8").replace(
        refs, "    deployment_branches: protected\n"
    )
    config.write_text(switched, encoding="utf-8")
    code, doc = _plan(cli, sandbox, "-c", config)
    assert code == 2
    assert [(c["action"], c["name"], c["before"], c["after"]) for c in doc["changes"]] == [
        (
            "update",
            "prod",
            {"deployment_branch_policy": "custom"},
            {"deployment_branch_policy": "protected"},
        )
    ] * 2
    assert {f["code"] for f in doc["findings"]} == {"github.protection_weakened"}
    shown = cli("plan", "-c", config)
    assert 'deployment_branch_policy: "custom" → "protected"' in shown.out
    markdown = cli("plan", "-c", config, "--format", "markdown").out
    assert '~       deployment_branch_policy: "custom" → "protected"' in markdown
    applied = cli("apply", "--yes", "-c", config)
    assert applied.code == 0, applied.err
    prod = sandbox.github.environment_json(OWNER, PLATFORM, "prod")
    assert prod is not None and prod["deployment_branch_policy"] == PROTECTED
    assert _plan(cli, sandbox, "-c", config)[0] == 0

    exported = tmp_path / "exported.yaml"
    assert cli("export", "-c", config, "-o", exported).code == 0
    shared = load_desired(exported).repositories[0]
    assert {e.name: e.branch_policy for e in shared.environments} == {
        "dev": "all",
        "staging": "protected",
        "prod": "protected",
    }
