"""`reconcile plan` through the CLI against the sandbox (issue 4).

Each test starts from a fresh sandbox seeded from the fixture config (tests/data/good/alphaswarm.yaml).
Every test asserts that plan wrote nothing, from the emulator's own log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import requests

from reconciler.sandbox.runner import Sandbox

from .helpers import ADMIN, OWNER, PLATFORM, CliRunner, change_ids, plan_json, writes


def converge(cli: CliRunner) -> None:
    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err


def plan(cli: CliRunner, sandbox: Sandbox, *extra: str) -> tuple[int, dict]:
    before = len(sandbox.github.requests)
    result = cli("plan", "--format", "json", "--detailed-exitcode", *extra)
    assert writes(sandbox, before) == [], "plan must never write"
    assert result.code in (0, 2), result.err
    return result.code, plan_json(result.out)


def test_fresh_github_is_all_creates(cli: CliRunner, sandbox: Sandbox) -> None:
    code, doc = plan(cli, sandbox)
    assert code == 2
    actions = {c["action"] for c in doc["changes"]}
    assert actions == {"create"}
    # 2 repos x (3 environments + 6 variables + 2 prod branch policies) + 1 admin secret
    assert doc["summary"]["create"] == 2 * (3 + 6 + 2) + 1
    assert doc["summary"]["errors"] == 0


def test_converged_state_has_no_drift(cli: CliRunner, converged: Sandbox) -> None:
    code, doc = plan(cli, converged)
    assert (code, doc["changes"], doc["summary"]["errors"]) == (0, [], 0)
    text = cli("plan")
    assert "No changes" in text.out


def _set_variable(sb: Sandbox) -> None:
    sb.github.set_variable(OWNER, PLATFORM, "prod", "AWS_PLAN_ROLE_ARN", "arn:aws:iam::1:role/x")


def _delete_variable(sb: Sandbox) -> None:
    sb.github.delete_variable(OWNER, ADMIN, "dev", "AWS_DEPLOYER_ROLE_ARN")


def _put_env(sb: Sandbox, repo: str, env: str, **changes: object) -> None:
    """Re-PUT an environment with some settings changed, keeping the rest."""
    doc = sb.github.environment_json(OWNER, repo, env)
    assert doc is not None
    rules = {r["type"]: r for r in doc.get("protection_rules", [])}
    reviewers = [
        (r["type"], r["reviewer"]["id"])
        for r in rules.get("required_reviewers", {}).get("reviewers", [])
    ]
    policy = doc.get("deployment_branch_policy")
    settings: dict[str, object] = {
        "wait_timer": rules.get("wait_timer", {}).get("wait_timer", 0),
        "prevent_self_review": rules.get("required_reviewers", {}).get(
            "prevent_self_review", False
        ),
        "reviewers": reviewers,
        "deployment_branch_policy": (
            (policy["protected_branches"], policy["custom_branch_policies"]) if policy else None
        ),
        "can_admins_bypass": doc.get("can_admins_bypass"),
    }
    settings.update(changes)
    sb.github.put_environment(OWNER, repo, env, **settings)  # type: ignore[arg-type]


def _remove_reviewer(sb: Sandbox) -> None:
    _put_env(sb, PLATFORM, "staging", reviewers=[], prevent_self_review=False)


def _add_reviewer(sb: Sandbox) -> None:
    doc = sb.github.environment_json(OWNER, PLATFORM, "prod")
    assert doc is not None
    rule = next(r for r in doc["protection_rules"] if r["type"] == "required_reviewers")
    reviewers = [(r["type"], r["reviewer"]["id"]) for r in rule["reviewers"]]
    extra = sb.github.add_user("intruder")
    sb.github.add_collaborator(OWNER, PLATFORM, "intruder", "write")
    _put_env(sb, PLATFORM, "prod", reviewers=[*reviewers, ("User", extra)])


def _flip_self_review(sb: Sandbox) -> None:
    _put_env(sb, ADMIN, "prod", prevent_self_review=False)


def _wait_timer(sb: Sandbox) -> None:
    _put_env(sb, ADMIN, "staging", wait_timer=30)


def _remove_branch_policy(sb: Sandbox) -> None:
    """Through the API, as the GitHub UI would do it."""
    base = f"{sb.github.url}/repos/{OWNER}/{PLATFORM}/environments/prod/deployment-branch-policies"
    headers = {"Authorization": f"token {sb.token}"}
    listed = requests.get(base, headers=headers, timeout=10).json()["branch_policies"]
    main = next(p for p in listed if p["name"] == "main" and p["type"] == "branch")
    assert requests.delete(f"{base}/{main['id']}", headers=headers, timeout=10).status_code == 204


def _delete_secret(sb: Sandbox) -> None:
    sb.github.delete_secret(OWNER, ADMIN, None, "PLATFORM_DISPATCH_TOKEN")


def _rotate_source(sb: Sandbox) -> None:
    # The GitHub secret was written "yesterday"; the source changes now.
    value = sb.github.secret_value(OWNER, ADMIN, None, "PLATFORM_DISPATCH_TOKEN")
    assert value is not None
    sb.github.set_secret(
        OWNER,
        ADMIN,
        None,
        "PLATFORM_DISPATCH_TOKEN",
        value,
        updated_at=datetime.now(UTC) - timedelta(days=1),
    )
    sb.aws.put_secret_value("333333333333", "alphaswarm/platform-dispatch-token", value)


SINGLE_DRIFTS: dict[str, tuple[Callable[[Sandbox], None], str]] = {
    "variable value changed": (
        _set_variable,
        "alpha-swarm-ai/alphaswarm_platform/prod/variable/aws_plan_role_arn/update",
    ),
    "variable deleted": (
        _delete_variable,
        "alpha-swarm-ai/alphaswarm_admin/dev/variable/aws_deployer_role_arn/create",
    ),
    "reviewer removed": (
        _remove_reviewer,
        "alpha-swarm-ai/alphaswarm_platform/staging/environment/staging/update",
    ),
    "reviewer added": (
        _add_reviewer,
        "alpha-swarm-ai/alphaswarm_platform/prod/environment/prod/update",
    ),
    "prevent_self_review flipped": (
        _flip_self_review,
        "alpha-swarm-ai/alphaswarm_admin/prod/environment/prod/update",
    ),
    "admins' bypass switched on by hand": (
        lambda sb: sb.github.set_admins_bypass(OWNER, ADMIN, "prod", True),
        "alpha-swarm-ai/alphaswarm_admin/prod/environment/prod/update",
    ),
    "wait_timer changed": (
        _wait_timer,
        "alpha-swarm-ai/alphaswarm_admin/staging/environment/staging/update",
    ),
    "branch policy removed": (
        _remove_branch_policy,
        "alpha-swarm-ai/alphaswarm_platform/prod/branch_policy/branch:main/create",
    ),
    "secret deleted": (
        _delete_secret,
        "alpha-swarm-ai/alphaswarm_admin/-/repository_secret/platform_dispatch_token/create",
    ),
    "secret source rotated": (
        _rotate_source,
        "alpha-swarm-ai/alphaswarm_admin/-/repository_secret/platform_dispatch_token/update",
    ),
}


@pytest.mark.parametrize("drift", SINGLE_DRIFTS, ids=list(SINGLE_DRIFTS))
def test_each_single_drift_is_exactly_one_change(
    drift: str, cli: CliRunner, converged: Sandbox
) -> None:
    make_drift, expected = SINGLE_DRIFTS[drift]
    make_drift(converged)
    code, doc = plan(cli, converged)
    assert code == 2
    assert change_ids(doc) == [expected]


def test_deleted_environment_is_one_environment_create_with_its_contents(
    cli: CliRunner, converged: Sandbox
) -> None:
    converged.github.delete_environment(OWNER, PLATFORM, "staging")
    code, doc = plan(cli, converged)
    assert code == 2
    assert change_ids(doc) == [
        "alpha-swarm-ai/alphaswarm_platform/staging/environment/staging/create",
        "alpha-swarm-ai/alphaswarm_platform/staging/variable/aws_deployer_role_arn/create",
        "alpha-swarm-ai/alphaswarm_platform/staging/variable/aws_plan_role_arn/create",
    ]


def test_case_only_differences_are_not_drift(cli: CliRunner, converged: Sandbox) -> None:
    arn = converged.github.variables(OWNER, ADMIN, "dev")["AWS_DEPLOYER_ROLE_ARN"]
    plan_arn = converged.github.variables(OWNER, ADMIN, "dev")["AWS_PLAN_ROLE_ARN"]
    converged.github.delete_environment(OWNER, ADMIN, "dev")
    converged.github.put_environment(OWNER, ADMIN, "DEV")
    converged.github.set_variable(OWNER, ADMIN, "DEV", "aws_deployer_role_arn", arn)
    converged.github.set_variable(OWNER, ADMIN, "DEV", "Aws_Plan_Role_Arn", plan_arn)
    code, doc = plan(cli, converged)
    assert (code, doc["changes"], doc["unmanaged"]) == (0, [], [])


def test_token_without_access_is_one_clear_error(
    cli: CliRunner, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "not-a-real-token")
    result = cli("plan")
    assert result.code == 1
    lines = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    assert "not-a-real-token" not in result.err + result.out
