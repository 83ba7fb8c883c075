"""PyGithub 2.x, with its default retry, against the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from contract_support import ContractValidator
from github import Auth, Github
from github.EnvironmentDeploymentBranchPolicy import EnvironmentDeploymentBranchPolicyParams
from github.EnvironmentProtectionRuleReviewer import ReviewerParams

from reconciler.sandbox.github import GitHubEmulator

from .conftest import OWNER, REPO, TOKEN, team_id, user_id


@pytest.fixture
def gh(emu: GitHubEmulator) -> Iterator[Github]:
    client = Github(
        auth=Auth.Token(TOKEN),
        base_url=emu.url,
        seconds_between_requests=None,
        seconds_between_writes=None,
        lazy=True,
    )
    yield client
    client.close()


def test_environments_create_get_list(
    emu: GitHubEmulator, gh: Github, validator: ContractValidator
) -> None:
    repo = gh.get_repo(f"{OWNER}/{REPO}")
    created = repo.create_environment(
        "Prod/US",
        wait_timer=10,
        reviewers=[
            ReviewerParams("Team", team_id(emu, "ops")),
            ReviewerParams("User", user_id(emu, "carol")),
        ],
        prevent_self_review=True,
        deployment_branch_policy=EnvironmentDeploymentBranchPolicyParams(
            protected_branches=True, custom_branch_policies=False
        ),
    )
    assert created.name == "Prod/US"
    fetched = repo.get_environment("prod/us")  # case-insensitive, first spelling kept
    assert fetched.raw_data["name"] == "Prod/US"
    kinds = [rule.type for rule in fetched.protection_rules]
    assert kinds == ["wait_timer", "required_reviewers", "branch_policy"]
    reviewers = fetched.protection_rules[1].reviewers
    assert sorted(r.type for r in reviewers) == ["Team", "User"]
    assert fetched.deployment_branch_policy.protected_branches is True
    repo.create_environment("dev")
    assert sorted(e.name for e in repo.get_environments()) == ["Prod/US", "dev"]
    validator.assert_clean()


def test_environment_secret_is_decrypted_exactly(emu: GitHubEmulator, gh: Github) -> None:
    repo = gh.get_repo(f"{OWNER}/{REPO}")
    env = repo.create_environment("prod")
    plaintext = "arn:aws:iam::123456789012:role/x ✓ with spaces"
    env.create_secret("deploy_key", plaintext)
    assert emu.secret_value(OWNER, REPO, "prod", "DEPLOY_KEY") == plaintext
    assert [s.name for s in env.get_secrets()] == ["DEPLOY_KEY"]


def test_twenty_five_environment_variables_across_pages(
    emu: GitHubEmulator, gh: Github, validator: ContractValidator
) -> None:
    repo = gh.get_repo(f"{OWNER}/{REPO}")
    env = repo.create_environment("staging")
    for i in range(25):
        emu.set_variable(OWNER, REPO, "staging", f"VAR_{i:02d}", f"value-{i}")
    emu.clear_requests()
    got = {v.name: v.value for v in env.get_variables()}
    assert got == {f"VAR_{i:02d}": f"value-{i}" for i in range(25)}
    pages = [r for r in emu.requests if r.path.endswith("/variables")]
    assert len(pages) == 3  # default per_page 10
    assert any(r.path.startswith("/repositories/") for r in pages)  # Link URLs followed
    validator.assert_clean()


def test_repository_variables_and_secrets(emu: GitHubEmulator, gh: Github) -> None:
    repo = gh.get_repo(f"{OWNER}/{REPO}")
    repo.create_variable("region", "eu-west-1")
    repo.create_secret("PLATFORM_DISPATCH_TOKEN", "ghp_dispatch", secret_type="actions")
    assert {v.name: v.value for v in repo.get_variables()} == {"REGION": "eu-west-1"}
    assert [s.name for s in repo.get_secrets()] == ["PLATFORM_DISPATCH_TOKEN"]
    assert emu.secret_value(OWNER, REPO, None, "platform_dispatch_token") == "ghp_dispatch"


def test_team_and_members_through_the_team_url_alias(
    emu: GitHubEmulator, gh: Github, validator: ContractValidator
) -> None:
    emu.add_team(OWNER, "big", [f"user{i:02d}" for i in range(35)])
    team = gh.get_organization(OWNER).get_team_by_slug("big")
    assert team.raw_data["members_count"] == 35  # completes the lazy object
    assert "/organizations/" in team.url
    members = [m.login for m in team.get_members()]
    assert members == [f"user{i:02d}" for i in range(35)]
    member_requests = [r for r in emu.requests if r.path.endswith("/members")]
    assert [r.path.split("/")[1] for r in member_requests] == ["organizations", "organizations"]
    validator.assert_clean()


def test_default_retry_rides_out_a_502_burst(emu: GitHubEmulator, gh: Github) -> None:
    from reconciler.sandbox.github import FaultRule

    emu.add_fault(FaultRule("GET", r"^/repos/acme/web$", times=2, kind="status", status=502))
    assert gh.get_repo(f"{OWNER}/{REPO}").raw_data["full_name"] == f"{OWNER}/{REPO}"
    statuses = [r.status for r in emu.requests if r.path == "/repos/acme/web"]
    assert statuses == [502, 502, 200]
