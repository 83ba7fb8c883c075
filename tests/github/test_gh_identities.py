"""Reviewer identities, reviewer access checks and the authenticated actor."""

from __future__ import annotations

from gh_support import FULL, OWNER, REPO, team_id, user_id

from reconciler.desired import Reviewer
from reconciler.github import (
    GitHubConnection,
    authenticated_actor,
    check_reviewer_access,
    resolve_identities,
)
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
    # One team in web: the team-repo check; three in api: one listing of its teams.
    assert paths.count(f"/orgs/{OWNER}/teams/Platform-Approvers/repos/{FULL}") == 1
    assert paths.count(f"/repos/{OWNER}/api/teams") == 1
    assert len(paths) == 2 + 2  # plus the two collaborator permission reads


def test_a_team_without_access_is_false(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    team_id(emu, "platform-approvers", ("alice",))
    assert check_reviewer_access(conn, OWNER, {(FULL, TEAM)}) == {
        (FULL, "team:platform-approvers"): False
    }


def test_actor_of_a_token_is_its_login(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    assert authenticated_actor(conn) == "deployer"
    assert authenticated_actor(conn) == "deployer"
    assert [r.path for r in emu.requests].count("/user") == 1
