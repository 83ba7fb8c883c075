"""Where real GitHub departs from its OpenAPI description (issue 10), through the CLI.

The admins' bypass of environments, GitHub plans without required reviewers
on private repositories, and a GitHub Enterprise Server without rate
limiting, each tried as a new user would against the sandbox.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from contract_support import ContractValidator

from reconciler.sandbox.runner import Sandbox

from .helpers import (
    ADMIN,
    FIXTURE_CONFIG,
    OWNER,
    PLATFORM,
    CliRunner,
    SandboxFactory,
    change_ids,
    finding_codes,
    plan_json,
    writes,
)
from .test_plan_cli import converge, plan

ENVIRONMENTS = ("dev", "staging", "prod")


def _bypass(sandbox: Sandbox, repo: str, env: str) -> object:
    doc = sandbox.github.environment_json(OWNER, repo, env)
    assert doc is not None
    return doc["can_admins_bypass"]


def _bypasses(sandbox: Sandbox) -> dict[tuple[str, str], object]:
    return {(r, e): _bypass(sandbox, r, e) for r in (PLATFORM, ADMIN) for e in ENVIRONMENTS}


# admins' bypass ---------------------------------------------------------------


def test_a_fresh_apply_turns_the_bypass_off_where_reviewers_are(
    cli: CliRunner, sandbox: Sandbox
) -> None:
    converge(cli)
    assert _bypasses(sandbox) == {
        (repo, env): env == "dev"  # dev has no reviewers: GitHub's default is left alone
        for repo in (PLATFORM, ADMIN)
        for env in ENVIRONMENTS
    }


def test_switching_the_bypass_on_by_hand_is_one_environment_update(
    cli: CliRunner, converged: Sandbox
) -> None:
    converged.github.set_admins_bypass(OWNER, ADMIN, "prod", True)
    code, doc = plan(cli, converged)
    assert code == 2
    assert change_ids(doc) == ["alpha-swarm-ai/alphaswarm_admin/prod/environment/prod/update"]
    (change,) = doc["changes"]
    assert (change["before"], change["after"]) == (
        {"admins_bypass": True},
        {"admins_bypass": False},
    )
    assert doc["summary"]["errors"] == 0
    text = cli("plan").out
    assert "admins_bypass" in text


def _edited(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = FIXTURE_CONFIG.read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "environments.yaml"
    path.write_text(text)
    return path


def test_no_other_environment_update_turns_the_bypass_back_on(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    converge(cli)
    # A person switches dev's bypass off: unmanaged there, so it must survive too.
    sandbox.github.set_admins_bypass(OWNER, PLATFORM, "dev", False)
    config = _edited(
        tmp_path,
        (
            "  dev:\n    required_approvals: 0\n",
            "  dev:\n    required_approvals: 0\n    wait_timer: 1\n",
        ),
        (
            "    deployment_branches: [main]\n",
            "    wait_timer: 5\n    deployment_branches: [main]\n",
        ),
    )
    before = len(sandbox.github.requests)

    result = cli("apply", "--yes", "-c", config)

    assert result.code == 0, result.out + result.err
    puts = [w for w in writes(sandbox, before) if w.startswith("PUT") and "/variables" not in w]
    assert len(puts) == 4  # dev and prod of both repositories, nothing else
    assert _bypasses(sandbox) == {
        (PLATFORM, "dev"): False,
        (ADMIN, "dev"): True,
        (PLATFORM, "staging"): False,
        (ADMIN, "staging"): False,
        (PLATFORM, "prod"): False,
        (ADMIN, "prod"): False,
    }
    code, doc = plan(cli, sandbox, "-c", str(config))
    assert (code, doc["changes"]) == (0, [])


def test_a_reviewer_repaired_by_apply_keeps_the_bypass_off(
    cli: CliRunner, converged: Sandbox
) -> None:
    doc = converged.github.environment_json(OWNER, PLATFORM, "staging")
    assert doc is not None
    # Removed in the UI, which does not touch the bypass setting.
    converged.github.put_environment(OWNER, PLATFORM, "staging", can_admins_bypass=False)
    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err
    assert _bypass(converged, PLATFORM, "staging") is False
    assert plan(cli, converged)[0] == 0


def test_an_older_server_without_the_setting_gets_a_finding_and_one_clear_error(
    cli: CliRunner, sandbox: Sandbox
) -> None:
    sandbox.github.forget_environment_keys("can_admins_bypass")
    result = cli("apply", "--yes")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    failed = [line for line in result.out.splitlines() if line.startswith("failed:")]
    assert len(failed) == 4  # staging and prod of both repositories
    assert all("older GitHub Enterprise Server" in line for line in failed)
    assert all("can_admins_bypass" in line for line in failed)
    assert sorted(sandbox.github.environment_names(OWNER, PLATFORM)) == ["dev"]
    # dev was written, with its variables.
    assert sandbox.github.variables(OWNER, PLATFORM, "dev")


def test_where_github_does_not_report_the_bypass_plan_says_unknown(
    cli: CliRunner, converged: Sandbox
) -> None:
    converged.github.forget_environment_keys("can_admins_bypass")
    code, doc = plan(cli, converged)
    assert (code, doc["changes"]) == (0, [])  # unknown is a warning, never a guessed change
    unknown = [f for f in doc["findings"] if f["code"] == "github.admins_bypass_unknown"]
    assert sorted((f["repository"], f["environment"]) for f in unknown) == [
        (f"{OWNER}/{repo}", env) for repo in (ADMIN, PLATFORM) for env in ("prod", "staging")
    ]
    assert all(f["severity"] == "warning" for f in unknown)


# plans without required reviewers ---------------------------------------------


def test_a_team_plan_private_repository_gets_dev_and_clear_findings_for_the_rest(
    cli: CliRunner, sandbox: Sandbox
) -> None:
    sandbox.github.set_plan(OWNER, "team")
    code, doc = plan(cli, sandbox)
    assert code == 2
    refused = sorted(
        (f["repository"], f["environment"])
        for f in doc["findings"]
        if f["code"] == "github.plan_unsupported"
    )
    assert refused == [
        (f"{OWNER}/{repo}", env) for repo in (ADMIN, PLATFORM) for env in ("prod", "staging")
    ]
    prod = next(f for f in doc["findings"] if f["environment"] == "prod")
    assert prod["severity"] == "error"
    assert "4-eyes (required reviewers) cannot be enforced" in prod["message"]
    assert "team plan" in prod["message"]

    before = len(sandbox.github.requests)
    result = cli("apply", "--yes")

    assert result.code == 1  # the plan cannot be carried out in full
    assert "Traceback" not in result.out + result.err
    written = writes(sandbox, before)
    assert not [w for w in written if "/staging" in w or "/prod" in w], written
    for repo in (PLATFORM, ADMIN):
        assert sandbox.github.environment_names(OWNER, repo) == ["dev"]
        assert sandbox.github.environment_json(OWNER, repo, "dev") is not None
        assert len(sandbox.github.variables(OWNER, repo, "dev")) == 2


def test_a_public_repository_gets_everything_on_any_plan(cli: CliRunner, sandbox: Sandbox) -> None:
    sandbox.github.set_plan(OWNER, "team")
    sandbox.github.add_repo(OWNER, PLATFORM, visibility="public")
    code, doc = plan(cli, sandbox)
    assert code == 2
    assert {f["repository"] for f in doc["findings"]} == {f"{OWNER}/{ADMIN}"}


def test_free_private_repositories_cannot_have_environments(
    cli: CliRunner, sandbox: Sandbox
) -> None:
    sandbox.github.set_plan(OWNER, "free")
    code, doc = plan(cli, sandbox)
    assert code == 2
    refused = [f for f in doc["findings"] if f["code"] == "github.plan_unsupported"]
    assert len(refused) == 6
    assert all("GitHub Free" in f["message"] for f in refused)


def test_where_the_plan_is_hidden_the_refusal_is_one_clear_line_per_environment(
    cli: CliRunner, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.github.set_plan(OWNER, "team")
    token = "not-an-owner-" + secrets.token_hex(8)
    sandbox.github.add_token(token, login="deployer")  # admin on the repositories, not an owner
    monkeypatch.setenv("GITHUB_TOKEN", token)
    _, doc = plan(cli, sandbox)
    assert "github.plan_unsupported" not in finding_codes(doc)  # cannot tell beforehand

    result = cli("apply", "--yes")

    assert result.code == 1
    failed = [line for line in result.out.splitlines() if line.startswith("failed:")]
    assert len(failed) == 4
    assert all("cannot be enforced on" in line and "on this plan" in line for line in failed)
    assert "Traceback" not in result.out + result.err
    for repo in (PLATFORM, ADMIN):
        assert sandbox.github.environment_names(OWNER, repo) == ["dev"]


def test_converged_plans_do_not_ask_about_the_plan(cli: CliRunner, converged: Sandbox) -> None:
    before = len(converged.github.requests)
    assert plan(cli, converged)[0] == 0
    paths = [r.path for r in converged.github.requests[before:]]
    assert f"/orgs/{OWNER}" not in paths
    assert f"/repos/{OWNER}/{ADMIN}" not in paths


# GitHub Enterprise Server without rate limiting --------------------------------


def test_a_server_without_rate_limiting_does_not_stop_plan_or_apply(
    cli: CliRunner, make_sandbox: SandboxFactory
) -> None:
    sandbox = make_sandbox()
    # Such a server sends no x-ratelimit-* headers at all.
    validator = ContractValidator(rate_limit_headers=False)
    sandbox.github.on_request = validator.record
    sandbox.github.disable_rate_limiting()

    result = cli("plan", "--format", "json")
    assert result.code == 0, result.err
    assert plan_json(result.out)["summary"]["create"] > 0
    applied = cli("apply", "--yes")
    assert applied.code == 0, applied.out + applied.err
    rate = [r for r in sandbox.github.requests if r.path == "/rate_limit"]
    assert rate and {r.status for r in rate} == {404}
    validator.assert_clean()
