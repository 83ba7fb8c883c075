"""The exported file loads with the project's loader and plans to no change."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings

from reconciler.config import load_desired
from reconciler.diff import diff
from reconciler.export import export_config
from reconciler.model.desired import DesiredState, EnvSecretSource
from reconciler.model.observed import (
    Identities,
    ObservedEnvironment,
    ObservedRepository,
    ObservedReviewer,
    ObservedState,
    ObservedVariable,
    TeamInfo,
    UserInfo,
)

from .builders import OWNER, env, repo, team, user, variables, write
from .strategies import live_states


def _identities(repositories: list[ObservedRepository]) -> Identities:
    """Every reviewer known, each team two people, each user one."""
    teams: dict[str, TeamInfo] = {}
    users: dict[str, UserInfo] = {}
    for r in repositories:
        for e in r.environments.values():
            for reviewer in e.reviewers:
                if reviewer.kind == "team":
                    members = (f"{reviewer.name}-a", f"{reviewer.name}-b")
                    teams[reviewer.name.lower()] = TeamInfo(reviewer.name, reviewer.id, members)
                else:
                    users[reviewer.name.lower()] = UserInfo(reviewer.name, reviewer.id)
    return Identities(teams=teams, users=users)


def _observed(repositories: list[ObservedRepository]) -> ObservedState:
    """The live state as plan sees it, with the identities export counted people by."""
    return ObservedState(
        repositories={r.full_name.lower(): r for r in repositories},
        identities=_identities(repositories),
    )


def _export(live: list[ObservedRepository], aws_accounts: dict[str, str] | None = None) -> str:
    return export_config(OWNER, live, aws_accounts=aws_accounts, identities=_identities(live))


def _four_eyes(env: ObservedEnvironment, identities: Identities) -> bool:
    return (
        bool(env.reviewers)
        and env.prevent_self_review
        and env.can_admins_bypass is False
        and len(identities.people(env.reviewers)) >= 2
    )


def _load(text: str, directory: Path) -> DesiredState:
    return load_desired(write(directory, text))


def _assert_matches(desired: DesiredState, live: list[ObservedRepository]) -> None:
    identities = _identities(live)
    assert desired.owner == OWNER
    assert {r.name for r in desired.repositories} == {r.full_name.rsplit("/", 1)[1] for r in live}
    for observed in live:
        wanted = desired.repository(observed.full_name)
        assert wanted is not None
        assert {e.name.lower() for e in wanted.environments} == {
            n.lower() for n in observed.environments
        }
        assert dict(wanted.variables) == {n: v.value for n, v in observed.variables.items()}
        assert set(wanted.secrets) == set(observed.secrets)
        for got in wanted.environments:
            live_env = observed.environment(got.name)
            assert live_env is not None
            assert {str(r) for r in got.reviewers} == {str(r) for r in live_env.reviewers}
            assert got.required_approvals == (
                0 if not live_env.reviewers else 2 if _four_eyes(live_env, identities) else 1
            )
            if live_env.reviewers:
                assert got.prevent_self_review == live_env.prevent_self_review
            assert got.wait_timer == live_env.wait_timer
            assert dict(got.variables) == {n: v.value for n, v in live_env.variables.items()}
            assert set(got.secrets) == set(live_env.secrets)
            assert all(isinstance(s.source, EnvSecretSource) for s in got.secrets.values())
            assert got.branch_policy == live_env.branch_policy
            if live_env.branch_policy == "custom":
                assert got.branch_patterns is not None
                assert {p.name for p in got.branch_patterns} == {
                    p.name for p in live_env.branch_policies
                }
            else:
                assert got.branch_patterns is None


def test_the_runbook_state_round_trips(tmp_path: Path) -> None:
    def roles(account: str) -> dict[str, ObservedVariable]:
        return variables(
            AWS_DEPLOYER_ROLE_ARN=f"arn:aws:iam::{account}:role/aqp-gha-apply",
            AWS_PLAN_ROLE_ARN=f"arn:aws:iam::{account}:role/aqp-gha-plan",
        )

    def envs() -> list[ObservedEnvironment]:
        return [
            env("dev", vars=roles("111111111111")),
            env(
                "staging",
                reviewers=[team("platform-approvers")],
                vars=roles("222222222222"),
                admins_bypass=False,
            ),
            env(
                "prod",
                reviewers=[team("platform-approvers"), user("octocat")],
                prevent_self_review=True,
                branches=["main"],
                tags=["v*"],
                vars=roles("333333333333"),
                admins_bypass=False,
            ),
        ]

    live = [
        repo("alphaswarm_platform", *envs()),
        repo("alphaswarm_admin", *envs(), secret_names=["PLATFORM_DISPATCH_TOKEN"]),
    ]
    accounts = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
    desired = _load(_export(live, aws_accounts=accounts), tmp_path)

    _assert_matches(desired, live)
    assert desired.aws is not None
    assert dict(desired.aws.accounts) == accounts
    plan = diff(desired, _observed(live))
    assert plan.changes == ()
    assert plan.unmanaged == ()
    assert plan.findings == ()


def test_protected_branches_round_trip(tmp_path: Path) -> None:
    live = [repo("r", env("prod", reviewers=[team("ops")], policy="protected"))]
    desired = _load(_export(live), tmp_path)
    _assert_matches(desired, live)
    plan = diff(desired, _observed(live))
    assert (plan.changes, plan.findings) == ((), ())


@pytest.mark.parametrize(
    ("reviewers", "bypass"),
    [
        ([user("octocat")], True),
        ([team("ops")], True),
        ([team("ops"), user("octocat")], True),
        # One person cannot be 4-eyes, bypass or not.
        ([user("octocat")], False),
    ],
    ids=["one person", "a team", "a team and a user", "one person, no bypass"],
)
def test_self_review_prevented_short_of_four_eyes_is_exported_as_it_is(
    tmp_path: Path, reviewers: list[ObservedReviewer], bypass: bool
) -> None:
    live = [
        repo("r", env("prod", reviewers=reviewers, prevent_self_review=True, admins_bypass=bypass))
    ]
    text = _export(live)
    assert f"  admins_bypass: {str(bypass).lower()}" in text
    assert "  prevent_self_review: true" in text
    desired = _load(text, tmp_path)
    (prod,) = desired.repositories[0].environments
    got = (prod.required_approvals, prod.prevent_self_review, prod.admins_bypass)
    assert got == (1, True, bypass)
    plan = diff(desired, _observed(live))
    assert (plan.changes, plan.findings) == ((), ())


def test_the_admins_bypass_is_written_where_the_file_needs_it(tmp_path: Path) -> None:
    live = [
        repo(
            "r",
            env("open", admins_bypass=True),
            env("closed", admins_bypass=False),
            env("reviewed", reviewers=[team("ops")], admins_bypass=True),
        )
    ]
    desired = _load(_export(live), tmp_path)
    (repository,) = desired.repositories
    assert {e.name: e.admins_bypass for e in repository.environments} == {
        "closed": False,
        "open": None,
        "reviewed": True,
    }
    assert diff(desired, _observed(live)).changes == ()


@settings(max_examples=60, deadline=None)
@given(live_states())
def test_any_expressible_live_state_round_trips_to_no_change(
    live: list[ObservedRepository],
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        desired = _load(_export(live), Path(directory))
    _assert_matches(desired, live)
    plan = diff(desired, _observed(live))
    assert plan.changes == ()
    assert plan.unmanaged == ()
