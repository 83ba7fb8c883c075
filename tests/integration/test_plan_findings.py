"""AWS and GitHub findings through `reconcile plan` against the sandbox (issue 4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.sandbox.aws import github_trust_policy
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
from .test_plan_cli import converge, plan

PROD = "333333333333"
STAGING = "222222222222"


def _subjects(env: str, *repos: str) -> list[str]:
    return [f"repo:{OWNER}/{r}:environment:{env}" for r in repos]


def _missing_role(sb: Sandbox) -> None:
    sb.aws.delete_role(PROD, "aqp-gha-plan")


def _wrong_repo(sb: Sandbox) -> None:
    doc = github_trust_policy(STAGING, _subjects("staging", PLATFORM, ADMIN, "some_other_repo"))
    sb.aws.set_trust_policy(STAGING, "aqp-gha-apply", doc)


def _wildcard(sb: Sandbox) -> None:
    doc = github_trust_policy(PROD, [f"repo:{OWNER}/*"])
    statement = doc["Statement"][0]
    condition = statement["Condition"]
    condition["StringLike"] = {"token.actions.githubusercontent.com:sub": f"repo:{OWNER}/*"}
    del condition["StringEquals"]["token.actions.githubusercontent.com:sub"]
    sb.aws.set_trust_policy(PROD, "aqp-gha-apply", doc)


def _no_provider(sb: Sandbox) -> None:
    sb.aws.delete_oidc_provider(STAGING)


CASES: dict[str, tuple[Callable[[Sandbox], None], set[tuple[str, str, str | None]]]] = {
    "IAM role missing": (
        _missing_role,
        {("error", "aws.role_missing", "prod")},
    ),
    "trust for the wrong repository": (
        _wrong_repo,
        {("warning", "aws.trust_too_broad", "staging")},
    ),
    "wildcard repo trust on a 4-eyes environment": (
        _wildcard,
        {("error", "aws.trust_too_broad", "prod")},
    ),
    "OIDC provider missing": (
        _no_provider,
        {("error", "aws.oidc_provider_missing", "staging")},
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_aws_findings(case: str, cli: CliRunner, converged: Sandbox) -> None:
    make, expected = CASES[case]
    make(converged)
    code, doc = plan(cli, converged)
    seen = {(f["severity"], f["code"], f["environment"]) for f in doc["findings"]}
    assert expected <= seen, doc["findings"]
    assert {f["code"] for f in doc["findings"]} == {c for _, c, _ in expected}
    has_error = any(sev == "error" for sev, _, _ in expected)
    assert code == (2 if has_error else 0)
    for finding in doc["findings"]:
        assert finding["message"]


def test_trust_for_the_wrong_repository_only_is_a_mismatch(
    cli: CliRunner, converged: Sandbox
) -> None:
    doc = github_trust_policy(STAGING, _subjects("staging", "some_other_repo"))
    converged.aws.set_trust_policy(STAGING, "aqp-gha-apply", doc)
    code, plan_doc = plan(cli, converged)
    assert code == 2
    assert "aws.trust_mismatch" in finding_codes(plan_doc)


def test_twenty_five_variables_in_one_environment_are_all_seen(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    extra = "".join(f"      VAR_{i:02d}: value-{i}\n" for i in range(25))
    text = FIXTURE_CONFIG.read_text().replace(
        "  dev:\n    required_approvals: 0\n",
        "  dev:\n    required_approvals: 0\n    variables:\n" + extra,
    )
    assert text != FIXTURE_CONFIG.read_text()
    config = tmp_path / "environments.yaml"
    config.write_text(text)
    sandbox = make_sandbox(config)
    assert cli("apply", "--yes", "-c", config).code == 0
    assert len(sandbox.github.variables(OWNER, ADMIN, "dev")) == 27
    code, doc = plan(cli, sandbox, "-c", str(config))
    assert (code, doc["changes"]) == (0, [])
    sandbox.github.set_variable(OWNER, ADMIN, "dev", "VAR_24", "changed")
    code, doc = plan(cli, sandbox, "-c", str(config))
    assert [c["id"] for c in doc["changes"]] == [
        "alpha-swarm-ai/alphaswarm_admin/dev/variable/var_24/update"
    ]


def test_converged_plan_request_count(cli: CliRunner, sandbox: Sandbox) -> None:
    """3 + 2E per repository + 1 per custom policy, identities once, no access checks,
    and each repository's OIDC subject template (both use IAM roles)."""
    converge(cli)
    before = len(sandbox.github.requests)
    result = cli("plan", "--no-cache")
    assert result.code == 0
    requests = [f"{r.method} {r.path}" for r in sandbox.github.requests[before:]]
    per_repository = 3 + 2 * 3 + 1
    # The trust of AWS_DEPLOYER_ROLE_ARN and AWS_PLAN_ROLE_ARN is judged against the
    # subject GitHub issues: one template read per repository. Both use GitHub's
    # default, so the organization's template is not read.
    subject_templates = 2
    identities = 2 + 1  # team + its members, one user
    budget_and_dispatch_check = 2  # GET /rate_limit (free), the handoff token check
    print(f"converged plan of the fixture config: {len(requests)} GitHub requests")
    assert (
        len(requests)
        == 27
        == (2 * per_repository + subject_templates + identities + budget_and_dispatch_check)
    ), requests
    assert requests.count(f"GET /repos/{OWNER}/{PLATFORM}/actions/oidc/customization/sub") == 1
    assert writes(sandbox, before) == []


def test_unknown_token_user_reviewer_is_an_error_finding(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    text = FIXTURE_CONFIG.read_text().replace(
        "reviewers: [team:platform-approvers]", "reviewers: [team:platform-approvers, user:ghost]"
    )
    config = tmp_path / "environments.yaml"
    config.write_text(text)
    sandbox = make_sandbox(FIXTURE_CONFIG)  # seeded without the ghost user
    code, doc = plan(cli, sandbox, "-c", str(config))
    assert code == 2
    assert "github.unknown_user" in finding_codes(doc)


def test_plan_json_out_file_matches_stdout(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    result = cli("plan", "--format", "json", "--out", out)
    saved = plan_json(out.read_text())
    # The file also records what the config wanted, for apply --plan's staleness message.
    assert saved.pop("config_digest").startswith("sha256:")
    assert plan_json(result.out) == saved


def test_repo_filter_does_not_make_shared_roles_look_too_broad(
    cli: CliRunner, converged: Sandbox
) -> None:
    code, doc = plan(cli, converged, "--repo", PLATFORM)
    assert (code, doc["changes"], doc["findings"]) == (0, [], [])
