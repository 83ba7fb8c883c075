"""observe_repository / observe_github against the emulator over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gh_support import FULL, OWNER, REPO, team_id, user_id
from request_log import log_of

from reconciler.github import (
    GitHubConnection,
    RepositoryNotFound,
    observe_github,
    observe_repository,
)
from reconciler.model.desired import DesiredEnvironment, DesiredRepository, DesiredState
from reconciler.sandbox.github import GitHubEmulator


def _seed_prod(emu: GitHubEmulator) -> tuple[int, int]:
    team = team_id(emu, "platform-approvers", ("alice", "bob"))
    emu.grant_team(OWNER, "platform-approvers", OWNER, REPO)
    octocat = user_id(emu, "octocat")
    emu.add_collaborator(OWNER, REPO, "octocat")
    emu.put_environment(
        OWNER,
        REPO,
        "prod",
        wait_timer=5,
        prevent_self_review=True,
        reviewers=[("Team", team), ("User", octocat)],
        deployment_branch_policy=(False, True),
    )
    emu.add_branch_policy(OWNER, REPO, "prod", "main")
    emu.add_branch_policy(OWNER, REPO, "prod", "v*", "tag")
    return team, octocat


def test_observes_reviewers_policies_variables_and_secret_metadata(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    team, octocat = _seed_prod(emu)
    emu.put_environment(OWNER, REPO, "staging", deployment_branch_policy=(True, False))
    emu.put_environment(OWNER, REPO, "dev")
    for i in range(25):
        emu.set_variable(OWNER, REPO, "prod", f"VAR_{i:02d}", f"value-{i}")
    stamp = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    emu.set_secret(OWNER, REPO, "prod", "DEPLOY_KEY", "s3cr3t", updated_at=stamp)
    emu.set_variable(OWNER, REPO, None, "REPO_LEVEL", "yes")
    emu.set_secret(OWNER, REPO, None, "PLATFORM_DISPATCH_TOKEN", "tok")

    observed = observe_repository(conn, OWNER, REPO)

    assert observed.full_name == FULL
    assert sorted(observed.environments) == ["dev", "prod", "staging"]
    prod = observed.environment("PROD")
    assert prod is not None
    assert {(r.kind, r.id, r.name) for r in prod.reviewers} == {
        ("team", team, "platform-approvers"),
        ("user", octocat, "octocat"),
    }
    assert prod.prevent_self_review is True
    assert prod.wait_timer == 5
    assert prod.branch_policy == "custom"
    assert sorted(p.name for p in prod.branch_policies) == ["branch:main", "tag:v*"]
    assert all(p.id > 0 for p in prod.branch_policies)
    assert len(prod.variables) == 25
    assert prod.variables["VAR_07"].value == "value-7"
    assert set(prod.secrets) == {"DEPLOY_KEY"}
    assert prod.secrets["DEPLOY_KEY"].updated_at == stamp
    assert prod.other_rules == ()
    staging = observed.environment("staging")
    assert staging is not None and staging.branch_policy == "protected"
    assert staging.branch_policies == ()
    dev = observed.environment("dev")
    assert dev is not None
    assert (dev.branch_policy, dev.reviewers, dev.wait_timer) == ("all", (), 0)
    assert observed.variables["REPO_LEVEL"].value == "yes"
    assert set(observed.secrets) == {"PLATFORM_DISPATCH_TOKEN"}


def test_the_admins_bypass_is_read_from_the_list_and_unknown_where_github_omits_it(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.put_environment(OWNER, REPO, "prod", can_admins_bypass=False)
    emu.put_environment(OWNER, REPO, "dev")
    emu.clear_requests()

    observed = observe_repository(conn, OWNER, REPO)

    assert {n: e.can_admins_bypass for n, e in observed.environments.items()} == {
        "dev": True,
        "prod": False,
    }
    assert len(emu.requests) == 3 + 2 * 2  # the list carries it: no extra GET

    emu.forget_environment_keys("can_admins_bypass")  # an older GitHub Enterprise Server
    emu.clear_requests()
    observed = observe_repository(conn, OWNER, REPO)

    assert {e.can_admins_bypass for e in observed.environments.values()} == {None}
    # Each environment asked once more on its own before it is called unknown.
    single = [r.path for r in emu.requests if r.path.endswith(("/dev", "/prod"))]
    assert sorted(single) == [f"/repos/{FULL}/environments/dev", f"/repos/{FULL}/environments/prod"]
    assert len(emu.requests) == 3 + 3 * 2


def test_converged_repository_costs_exactly_3_plus_2e_plus_custom(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    _seed_prod(emu)  # custom policies
    emu.put_environment(OWNER, REPO, "staging")
    emu.put_environment(OWNER, REPO, "dev", deployment_branch_policy=(True, False))
    for env in ("dev", "staging", "prod"):
        for i in range(3):
            emu.set_variable(OWNER, REPO, env, f"V{i}", "x")
    emu.clear_requests()

    observe_repository(conn, OWNER, REPO)

    environments, custom = 3, 1
    expected = 3 + 2 * environments + custom
    assert len(emu.requests) == expected
    assert log_of(conn).total == expected
    assert all(r.method == "GET" and r.status == 200 for r in emu.requests)
    paths = [r.path for r in emu.requests]
    assert f"/repos/{FULL}" not in paths  # no GET of the repository itself
    assert sum("deployment-branch-policies" in p for p in paths) == 1


def test_variables_follow_pages_with_the_documented_page_size(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.put_environment(OWNER, REPO, "prod")
    for i in range(65):
        emu.set_variable(OWNER, REPO, "prod", f"V{i:03d}", str(i))
    emu.clear_requests()

    observed = observe_repository(conn, OWNER, REPO)

    prod = observed.environment("prod")
    assert prod is not None
    assert sorted(prod.variables) == [f"V{i:03d}" for i in range(65)]
    pages = [r for r in emu.requests if r.path.endswith("/environments/prod/variables")]
    assert len(pages) == 3  # 30 + 30 + 5
    assert pages[0].query.get("per_page") == "30"


def test_environment_names_are_url_encoded(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    emu.put_environment(OWNER, REPO, "Prod/EU 1")
    emu.set_variable(OWNER, REPO, "Prod/EU 1", "REGION", "eu-west-1")

    observed = observe_repository(conn, OWNER, REPO)

    env = observed.environment("prod/eu 1")
    assert env is not None and env.name == "Prod/EU 1"
    assert env.variables["REGION"].value == "eu-west-1"


def test_missing_repository_is_repository_not_found(conn: GitHubConnection) -> None:
    with pytest.raises(RepositoryNotFound) as caught:
        observe_repository(conn, OWNER, "nope")
    assert str(caught.value).startswith(f"repository {OWNER}/nope not found")
    assert "\n" not in str(caught.value)


def test_observe_github_reads_every_repository_in_parallel(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    names = [f"svc{i}" for i in range(6)]
    for name in names:
        emu.add_repo(OWNER, name)
        emu.put_environment(OWNER, name, "dev")
        emu.set_variable(OWNER, name, "dev", "NAME", name)
    env = DesiredEnvironment("dev", 0, (), False, 0, None)
    desired = DesiredState(
        owner=OWNER, repositories=tuple(DesiredRepository(OWNER, n, (env,)) for n in names)
    )
    emu.clear_requests()

    observed = observe_github(conn, desired, concurrency=4)

    assert sorted(observed) == [f"{OWNER}/{n}" for n in names]
    for name in names:
        dev = observed[f"{OWNER}/{name}"].environment("dev")
        assert dev is not None and dev.variables["NAME"].value == name
    assert len(emu.requests) == len(names) * (3 + 2)
