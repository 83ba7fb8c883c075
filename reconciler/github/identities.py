"""Who the reviewers are, whether they can see a repository, and who we are.

Teams and users do not change during a run, so each is looked up once per
connection (the memo lives on the connection, which is one run).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from reconciler.desired import Reviewer
from reconciler.github.calls import Shape, expect, paginate, repo_path, segment, send
from reconciler.github.connection import AppCredentials, GitHubConnection
from reconciler.observed import Identities, TeamInfo, UserInfo

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


def _teams_of_repository(conn: GitHubConnection, full: str) -> set[str]:
    items = paginate(
        conn,
        f"{repo_path(full)}/teams",
        per_page=100,
        item_key=None,
        action=f"listing teams with access to {full}",
        permission="Administration: read",
        fields=("slug",),
    )
    return {str(t["slug"]).lower() for t in items}


def _team_has_access(conn: GitHubConnection, org: str, slug: str, full: str) -> bool:
    owner, _, name = full.partition("/")
    path = f"/orgs/{segment(org)}/teams/{segment(slug)}/repos/{segment(owner)}/{segment(name)}"
    action = f"checking team {slug}'s access to {full}"
    answer = send(conn, "GET", path, action=action, permission=_TEAM_PERMISSION)
    if answer.status == 404:
        return False
    expect(answer, 200, 204, action=action, permission=_TEAM_PERMISSION)
    return True


def _user_has_access(conn: GitHubConnection, login: str, full: str) -> bool:
    path = f"{repo_path(full)}/collaborators/{segment(login)}/permission"
    action = f"checking {login}'s permission on {full}"
    answer = send(conn, "GET", path, action=action, permission="Metadata: read")
    if answer.status == 404:
        return False
    data = expect(answer, 200, action=action, permission="Metadata: read").data
    return str(data.get("permission", "none")) != "none"


def check_reviewer_access(
    conn: GitHubConnection, owner: str, checks: set[tuple[str, Reviewer]]
) -> dict[tuple[str, str], bool]:
    """Whether each reviewer can access each repository, keyed (repo as given, reviewer.key).

    Teams: one team-repo check when a repository has a single team to check,
    else one listing of the repository's teams (cheaper from two teams on).
    """
    result: dict[tuple[str, str], bool] = {}
    teams_by_repo: dict[str, list[tuple[str, Reviewer]]] = defaultdict(list)
    for repo, reviewer in sorted(checks):
        full = _full_name(owner, repo)
        if reviewer.kind == "user":
            result[(repo, reviewer.key)] = _user_has_access(conn, reviewer.name, full)
        else:
            teams_by_repo[full].append((repo, reviewer))
    for full, entries in teams_by_repo.items():
        slugs = {r.name.lower() for _, r in entries}
        if len(slugs) > 1:
            granted = _teams_of_repository(conn, full)
            for repo, reviewer in entries:
                result[(repo, reviewer.key)] = reviewer.name.lower() in granted
        else:
            repo, reviewer = entries[0]
            access = _team_has_access(conn, owner, reviewer.name, full)
            for repo, reviewer in entries:
                result[(repo, reviewer.key)] = access
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
