"""Who the reviewers are, whether they can see a repository, and who we are.

Teams and users do not change during a run, so each is looked up once per
connection (the memo lives on the connection, which is one run).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.github.connection import AppCredentials, GitHubConnection
from reconciler.github.errors import GitHubError
from reconciler.github.rest import Shape, expect, paginate, repo_path, segment, send
from reconciler.model.desired import Reviewer
from reconciler.model.observed import Access, Identities, TeamInfo, Unverified, UserInfo

_TEAM_PERMISSION = "Members: read (organization)"


def _memo_get(conn: GitHubConnection, key: tuple[str, ...]) -> tuple[bool, Any]:
    with conn.memo_lock:
        return (key in conn.memo, conn.memo.get(key))


def _memo_put(conn: GitHubConnection, key: tuple[str, ...], value: Any) -> None:
    with conn.memo_lock:
        conn.memo[key] = value


def _team(conn: GitHubConnection, org: str, slug: str) -> TeamInfo | None:
    key = ("team", org.lower(), slug.lower())
    known, value = _memo_get(conn, key)
    if known:
        team: TeamInfo | None = value
        return team
    base = f"/orgs/{segment(org)}/teams/{segment(slug)}"
    action = f"looking up team {org}/{slug}"
    answer = send(
        conn,
        "GET",
        base,
        shape=Shape(fields=("slug", "id")),
        action=action,
        permission=_TEAM_PERMISSION,
    )
    if answer.status == 404:
        team = None
    else:
        data = expect(answer, 200, action=action, permission=_TEAM_PERMISSION).data
        members = paginate(
            conn,
            f"{base}/members",
            per_page=100,
            item_key=None,
            action=f"listing members of team {org}/{slug}",
            permission=_TEAM_PERMISSION,
            fields=("login",),
        )
        logins = tuple(str(m["login"]) for m in members)
        team = TeamInfo(slug=str(data["slug"]), id=int(data["id"]), members=logins)
    _memo_put(conn, key, team)
    return team


def _user(conn: GitHubConnection, login: str) -> UserInfo | None:
    key = ("user", login.lower())
    known, value = _memo_get(conn, key)
    if known:
        user: UserInfo | None = value
        return user
    action = f"looking up user {login}"
    answer = send(
        conn,
        "GET",
        f"/users/{segment(login)}",
        shape=Shape(fields=("login", "id")),
        action=action,
        permission="none",
    )
    if answer.status == 404:
        user = None
    else:
        data = expect(answer, 200, action=action, permission="none").data
        user = UserInfo(login=str(data["login"]), id=int(data["id"]))
    _memo_put(conn, key, user)
    return user


def resolve_identities(
    conn: GitHubConnection, owner: str, reviewers: Iterable[Reviewer]
) -> Identities:
    """Teams of `owner` and users named as reviewers; unknown ones are absent."""
    teams: dict[str, TeamInfo] = {}
    users: dict[str, UserInfo] = {}
    for reviewer in sorted(set(reviewers)):
        folded = reviewer.name.lower()
        if reviewer.kind == "team" and folded not in teams:
            team = _team(conn, owner, reviewer.name)
            if team is not None:
                teams[folded] = team
        elif reviewer.kind == "user" and folded not in users:
            user = _user(conn, reviewer.name)
            if user is not None:
                users[folded] = user
    return Identities(teams=teams, users=users)


def _full_name(owner: str, repo: str) -> str:
    return repo if "/" in repo else f"{owner}/{repo}"


def _team_has_access(conn: GitHubConnection, org: str, slug: str, full: str) -> bool:
    """GitHub's team-repository check, which also answers for access the team
    inherits from a parent team (the repository's team list names only teams
    granted directly): the same access GitHub asks of a reviewer it keeps."""
    owner, _, name = full.partition("/")
    path = f"/orgs/{segment(org)}/teams/{segment(slug)}/repos/{segment(owner)}/{segment(name)}"
    action = f"checking team {slug}'s access to {full}"
    answer = send(conn, "GET", path, action=action, permission=_TEAM_PERMISSION)
    if answer.status == 404:
        return False
    expect(answer, 200, 204, action=action, permission=_TEAM_PERMISSION)
    return True


def _user_has_access(conn: GitHubConnection, login: str, full: str) -> Access:
    path = f"{repo_path(full)}/collaborators/{segment(login)}/permission"
    action = f"checking {login}'s permission on {full}"
    try:
        answer = send(conn, "GET", path, action=action, permission="push access")
    except GitHubError as exc:
        if exc.kind != "forbidden":
            raise
        # GitHub answers "Must have push access to view collaborator permission."
        # to read-only credentials: this run cannot tell, apply's can.
        return Unverified(exc.detail or str(exc))
    if answer.status == 404:
        return False
    data = expect(answer, 200, action=action, permission="push access").data
    return str(data.get("permission", "none")) != "none"


def check_reviewer_access(
    conn: GitHubConnection, owner: str, checks: set[tuple[str, Reviewer]]
) -> dict[tuple[str, str], Access]:
    """Whether each reviewer can access each repository, keyed (repo as given, reviewer.key):
    True, False, or `Unverified` when these credentials may not ask.

    Every team is checked the one way that matches whether GitHub keeps it as a
    reviewer, direct or inherited access alike: one request per team and repository.
    """
    result: dict[tuple[str, str], Access] = {}
    for repo, reviewer in sorted(checks):
        full = _full_name(owner, repo)
        if reviewer.kind == "user":
            result[(repo, reviewer.key)] = _user_has_access(conn, reviewer.name, full)
        else:
            result[(repo, reviewer.key)] = _team_has_access(conn, owner, reviewer.name, full)
    return result


def authenticated_actor(conn: GitHubConnection) -> str:
    """The login behind a token (GET /user), or the App's slug / `app/<id>`."""
    if isinstance(conn.credentials, AppCredentials):
        return conn.actor() or f"app/{conn.credentials.app_id}"
    known, value = _memo_get(conn, ("actor",))
    if known:
        return str(value)
    action = "reading the authenticated user"
    data = expect(
        send(
            conn, "GET", "/user", shape=Shape(fields=("login",)), action=action, permission="none"
        ),
        200,
        action=action,
        permission="none",
    ).data
    login = str(data["login"])
    _memo_put(conn, ("actor",), login)
    return login
