"""Organizations, teams, users and the rate-limit overview."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.github import payloads
from reconciler.sandbox.github.http import ApiError, Ctx, Reply, Route, not_found
from reconciler.sandbox.github.pagination import paginate
from reconciler.sandbox.github.state import Account, Team

REPOSITORY_MEDIA_TYPE = "application/vnd.github.v3.repository+json"


def _org(ctx: Ctx) -> Account:
    org = ctx.world.account(ctx.params["org"])
    if org is None or org.type != "Organization":
        raise not_found()
    return org


def _team(ctx: Ctx) -> Team:
    _org(ctx)
    team = ctx.world.team(ctx.params["org"], ctx.params["team_slug"])
    if team is None:
        raise not_found()
    return team


def get_org(ctx: Ctx) -> Reply:
    org = _org(ctx)
    token = ctx.token
    sees_plan = token is not None and (
        token.login.lower() in org.owners or token.installation_owner == org.login.lower()
    )
    return Reply(200, payloads.organization(ctx.base, org, with_plan=sees_plan))


def get_team(ctx: Ctx) -> Reply:
    return Reply(200, payloads.team_full(ctx.base, ctx.world, _team(ctx)))


def team_members(ctx: Ctx) -> Reply:
    team = _team(ctx)
    org = _org(ctx)
    role = ctx.query.get("role", "all")
    if role not in {"all", "member", "maintainer"}:
        raise ApiError(422, "Validation Failed", errors=[{"field": "role", "code": "invalid"}])
    members = [] if role == "maintainer" else ctx.world.team_members(team)
    accounts = [a for a in (ctx.world.account(m) for m in members) if a is not None]
    ctx.link_path = f"/organizations/{org.id}/team/{team.id}/members"
    page, link = paginate(ctx, accounts, 30, 100)
    body = [payloads.simple_user(ctx.base, a) for a in page]
    return Reply(200, body, {"link": link} if link else {})


def team_repo(ctx: Ctx) -> Reply:
    team = _team(ctx)
    repo = ctx.world.repo(ctx.params["owner"], ctx.params["repo"])
    # GitHub documents that this check also answers for access inherited from a parent team.
    permission = ctx.world.team_permission(team, repo) if repo is not None else None
    if repo is None or permission is None:
        raise ApiError(404, "Not Found", body=False)
    if REPOSITORY_MEDIA_TYPE in ctx.headers.get("accept", ""):
        body: dict[str, Any] = payloads.repository(ctx.base, ctx.world, repo, permission)
        body["role_name"] = {"push": "write", "pull": "read"}.get(permission, permission)
        return Reply(200, body)
    return Reply(204)


def get_user(ctx: Ctx) -> Reply:
    account = ctx.world.account(ctx.params["username"])
    if account is None:
        raise not_found()
    return Reply(200, payloads.public_user(ctx.base, account))


def get_authenticated_user(ctx: Ctx) -> Reply:
    assert ctx.token is not None
    if ctx.token.installation_owner is not None:
        raise ApiError(403, "Resource not accessible by integration")
    account = ctx.world.account(ctx.token.login)
    if account is None:
        raise ApiError(401, "Bad credentials")
    return Reply(200, payloads.public_user(ctx.base, account, private=True))


def rate_limit(ctx: Ctx) -> Reply:
    if ctx.rate is None:
        # GitHub Enterprise Server with rate limiting off (actions/stale#1227).
        raise ApiError(404, "Rate limiting is not enabled.")
    limit, remaining, reset, used = ctx.rate
    core = {"limit": limit, "remaining": remaining, "reset": reset, "used": used}
    other = {"limit": 5000, "remaining": 5000, "reset": reset, "used": 0}
    search = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    body = {
        "resources": {"core": core, "search": search, "graphql": other},
        "rate": core,
    }
    return Reply(200, body)


ROUTES = [
    Route("GET", "/orgs/{org}", get_org),
    Route("GET", "/orgs/{org}/teams/{team_slug}", get_team),
    Route("GET", "/orgs/{org}/teams/{team_slug}/members", team_members),
    Route("GET", "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}", team_repo),
    Route("GET", "/users/{username}", get_user),
    Route("GET", "/user", get_authenticated_user),
    Route("GET", "/rate_limit", rate_limit),
]
