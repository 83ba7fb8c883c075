"""Role trust as declared (issue 10): `also_trusted`, and trust judged against the
subject GitHub will issue under a repository's customised OIDC subject template."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.sandbox.aws import github_trust_policy
from reconciler.sandbox.runner import Sandbox

from .helpers import ADMIN, FIXTURE_CONFIG, OWNER, PLATFORM, CliRunner, SandboxFactory
from .test_plan_cli import converge, plan

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
DECLARED = "AWS_PLAN_ROLE_ARN: {iam_role: aqp-gha-plan, also_trusted: [pull_request]}"
IDS_TEMPLATE = ["repository_owner_id", "repository_id", "context"]


def _trusted_subjects(sandbox: Sandbox, env: str, role: str) -> list[str]:
    document = sandbox.aws.client(ACCOUNTS[env], "iam").get_role(RoleName=role)["Role"][
        "AssumeRolePolicyDocument"
    ]
    if isinstance(document, str):
        document = json.loads(document)
    condition = document["Statement"][0]["Condition"]["StringEquals"]
    return list(condition["token.actions.githubusercontent.com:sub"])


def test_plan_role_trusting_pull_requests_as_declared_has_no_finding(
    cli: CliRunner, converged: Sandbox
) -> None:
    """The runbook's plan role: prod (4-eyes) jobs, and pull-request checks."""
    assert f"repo:{OWNER}/{PLATFORM}:pull_request" in _trusted_subjects(
        converged, "prod", "aqp-gha-plan"
    )
    code, doc = plan(cli, converged)
    assert (code, doc["findings"]) == (0, [])


def test_undeclared_pull_request_trust_stays_a_finding(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox(FIXTURE_CONFIG)  # the roles trust pull requests, as declared there
    converge(cli)
    text = FIXTURE_CONFIG.read_text(encoding="utf-8")
    assert DECLARED in text
    config = tmp_path / "environments.yaml"
    config.write_text(
        text.replace(DECLARED, "AWS_PLAN_ROLE_ARN: {iam_role: aqp-gha-plan}"), encoding="utf-8"
    )

    code, doc = plan(cli, sandbox, "-c", str(config))

    seen = {(f["severity"], f["code"], f["environment"]) for f in doc["findings"]}
    assert seen == {
        ("error", "aws.trust_too_broad", "prod"),
        ("warning", "aws.trust_too_broad", "staging"),
    }
    assert all("pull_request" in f["message"] for f in doc["findings"])
    assert all("AWS_PLAN_ROLE_ARN" in f["message"] for f in doc["findings"])
    assert code == 2


def _ids_subjects(sandbox: Sandbox, env: str, role: str) -> list[str]:
    """What each repository's jobs present under the ids template."""
    owner_id = sandbox.github.add_org(OWNER)  # the existing id
    contexts = [f"environment:{env}"] + (["pull_request"] if role == "aqp-gha-plan" else [])
    return [
        f"repository_owner_id:{owner_id}:repository_id:{sandbox.github.add_repo(OWNER, repo)}:"
        f"{context}"
        for repo in (PLATFORM, ADMIN)
        for context in contexts
    ]


def test_trust_is_judged_against_a_custom_subject_template(
    cli: CliRunner, converged: Sandbox
) -> None:
    """`repository_owner_id, repository_id, context`: GitHub issues
    repository_owner_id:<id>:repository_id:<id>:environment:prod, not repo:OWNER/REPO:..."""
    for repo in (PLATFORM, ADMIN):
        converged.github.set_oidc_subject(
            OWNER, repo, use_default=False, include_claim_keys=IDS_TEMPLATE
        )

    code, doc = plan(cli, converged)
    mismatched = {(f["code"], f["environment"]) for f in doc["findings"]}
    assert mismatched == {("aws.trust_mismatch", env) for env in ACCOUNTS}
    assert code == 2
    assert any("repository_owner_id:" in f["message"] for f in doc["findings"])

    for env, account in ACCOUNTS.items():
        for role in ("aqp-gha-apply", "aqp-gha-plan"):
            subjects = _ids_subjects(converged, env, role)
            converged.aws.set_trust_policy(account, role, github_trust_policy(account, subjects))
    code, doc = plan(cli, converged)
    assert (code, doc["findings"]) == (0, [])


def test_a_template_from_the_organization_applies_where_a_repository_opts_in(
    cli: CliRunner, converged: Sandbox
) -> None:
    converged.github.set_org_oidc_subject(OWNER, IDS_TEMPLATE)
    converged.github.set_oidc_subject(OWNER, PLATFORM, use_default=False)  # opts in
    code, doc = plan(cli, converged)
    assert code == 2
    assert {f["repository"] for f in doc["findings"]} == {f"{OWNER}/{PLATFORM}"}
    assert {f["code"] for f in doc["findings"]} == {"aws.trust_mismatch"}
    assert any("organization's OIDC subject template" in f["message"] for f in doc["findings"])
