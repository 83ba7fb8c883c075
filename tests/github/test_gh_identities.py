"""Reviewer identities, reviewer access checks and the authenticated actor."""

from __future__ import annotations

from gh_support import FULL, OWNER, REPO, TOKEN, ConnFactory, team_id, user_id

from reconciler.github import (
    GitHubConnection,
    authenticated_actor,
    check_reviewer_access,
    resolve_identities,
)
from reconciler.model.desired import Reviewer
from reconciler.model.observed import Unverified
from reconciler.sandbox.github import GitHubEmulator

TEAM = Reviewer("team", "Platform-Approvers")
OCTO = Reviewer("user", "octocat")


def test_identities_resolve_once_per_run(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    members = tuple(f"member{i:03d}" for i in range(130))  # two pages of members
    tid = team_id(emu, "platform-approvers", members)
    uid = user_id(emu, "octocat")
    wanted = [TEAM, OCTO, Reviewer("team", "platform-approvers"), Reviewer("user", "ghost")]
    emu.clear_requests()

    first = resolve_identities(conn, OWNER, wanted)
    cost = len(emu.requests)
    second = resolve_identities(conn, OWNER, wanted)

    assert first == second
    assert cost == 1 + 2 + 1 + 1  # team, two member pages, octocat, ghost (404)
    assert len(emu.requests) == cost  # nothing asked again in the same run
    team = first.teams["platform-approvers"]
    assert (team.id, team.slug) == (tid, "platform-approvers")
    assert sorted(team.members) == sorted(members)
    assert first.users["octocat"].id == uid
    assert "ghost" not in first.users  # unknown: simply absent


def test_access_checks_for_teams_and_users(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    team_id(emu, "platform-approvers", ("alice",))
    team_id(emu, "outsiders", ("eve",))
    emu.grant_team(OWNER, "platform-approvers", OWNER, REPO, "pull")
    emu.add_collaborator(OWNER, REPO, "octocat", "read")
    user_id(emu, "stranger")
    emu.add_repo(OWNER, "api")
    emu.grant_team(OWNER, "platform-approvers", OWNER, "api")
    emu.grant_team(OWNER, "outsiders", OWNER, "api")
    checks = {
        (FULL, TEAM),
        (FULL, OCTO),
        (FULL, Reviewer("user", "stranger")),
        (f"{OWNER}/api", TEAM),
        (f"{OWNER}/api", Reviewer("team", "outsiders")),
        (f"{OWNER}/api", Reviewer("team", "nobody")),
    }
    emu.clear_requests()

    access = check_reviewer_access(conn, OWNER, checks)

    assert access == {
        (FULL, "team:platform-approvers"): True,
        (FULL, "user:octocat"): True,
        (FULL, "user:stranger"): False,
        (f"{OWNER}/api", "team:platform-approvers"): True,
        (f"{OWNER}/api", "team:outsiders"): True,
        (f"{OWNER}/api", "team:nobody"): False,
    }
    paths = [r.path for r in emu.requests]
    # Every team the one way that also sees inherited access: its team-repo check.
    assert paths.count(f"/orgs/{OWNER}/teams/Platform-Approvers/repos/{FULL}") == 1
    assert paths.count(f"/orgs/{OWNER}/teams/Platform-Approvers/repos/{OWNER}/api") == 1
    assert not [p for p in paths if p.endswith("/teams")]  # never the direct-only listing
    assert len(paths) == 4 + 2  # plus the two collaborator permission reads


def test_a_child_team_with_inherited_access_is_accepted(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    """A child team inherits its parent's repositories; GitHub keeps it as a reviewer."""
    team_id(emu, "engineering", ("alice",))
    emu.add_team(OWNER, "platform-oncall", ["bob"], parent="engineering")
    emu.add_team(OWNER, "unrelated", ["eve"])
    emu.grant_team(OWNER, "engineering", OWNER, REPO, "pull")
    emu.add_repo(OWNER, "api")
    emu.grant_team(OWNER, "unrelated", OWNER, "api")
    oncall, other = Reviewer("team", "platform-oncall"), Reviewer("team", "unrelated")
    checks = {(FULL, oncall), (FULL, other), (f"{OWNER}/api", oncall)}

    access = check_reviewer_access(conn, OWNER, checks)

    assert access == {
        (FULL, "team:platform-oncall"): True,  # inherited from engineering
        (FULL, "team:unrelated"): False,
        (f"{OWNER}/api", "team:platform-oncall"): False,
    }


def test_read_only_credentials_cannot_verify_a_user(
    emu: GitHubEmulator, make_conn: ConnFactory
) -> None:
    """GitHub answers 403 "Must have push access to view collaborator permission."
    to a caller without push access: unknown, not "no access", and not a failure."""
    emu.add_collaborator(OWNER, REPO, "octocat", "read")
    team_id(emu, "platform-approvers", ("alice",))
    emu.grant_team(OWNER, "platform-approvers", OWNER, REPO, "pull")
    reader = "read-" + TOKEN
    emu.add_token(reader, login="nightly", write=False)

    access = check_reviewer_access(make_conn(reader), OWNER, {(FULL, OCTO), (FULL, TEAM)})

    unverified = access[(FULL, "user:octocat")]
    assert isinstance(unverified, Unverified)
    assert "push access" in unverified.reason
    assert access[(FULL, "team:platform-approvers")] is True  # teams need no push


def test_a_team_without_access_is_false(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    team_id(emu, "platform-approvers", ("alice",))
    assert check_reviewer_access(conn, OWNER, {(FULL, TEAM)}) == {
        (FULL, "team:platform-approvers"): False
    }


def test_actor_of_a_token_is_its_login(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    assert authenticated_actor(conn) == "deployer"
    assert authenticated_actor(conn) == "deployer"
    assert [r.path for r in emu.requests].count("/user") == 1
