"""Repository-level reads and the few repository actions the tool uses."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.github import payloads
from reconciler.sandbox.github.http import ApiError, Ctx, Reply, Route, not_found
from reconciler.sandbox.github.pagination import paginate
from reconciler.sandbox.github.records import Dispatch
from reconciler.sandbox.github.state import at_least

# GitHub's legacy "permission" field folds five roles into four words.
_LEGACY = {"admin": "admin", "maintain": "write", "push": "write", "triage": "read", "pull": "read"}
_ROLE = {
    "admin": "admin",
    "maintain": "maintain",
    "push": "write",
    "triage": "triage",
    "pull": "read",
}


def get_repo(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    assert ctx.token is not None
    perm = ctx.world.token_permission(repo, ctx.token)
    if perm is not None and not ctx.token.write:
        perm = "pull"
    return Reply(200, payloads.repository(ctx.base, ctx.world, repo, perm))


def collaborator_permission(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    assert ctx.token is not None
    if not at_least(ctx.world.token_permission(repo, ctx.token), "push"):
        # Real GitHub, not its OpenAPI description (PyGithub's ReplayData
        # Repository.testCollaboratorPermissionNoPushAccess): read access is not enough.
        raise ApiError(403, "Must have push access to view collaborator permission.")
    account = ctx.world.account(ctx.params["username"])
    if account is None or account.type == "Organization":
        raise not_found()
    perm = ctx.world.user_permission(repo, account.login)
    user: dict[str, Any] = payloads.simple_user(ctx.base, account)
    user["permissions"] = {
        "admin": perm == "admin",
        "maintain": perm in {"admin", "maintain"},
        "push": perm in {"admin", "maintain", "push"},
        "triage": perm in {"admin", "maintain", "push", "triage"},
        "pull": perm is not None,
    }
    role = _ROLE.get(perm or "", "none")
    user["role_name"] = role
    body = {"permission": _LEGACY.get(perm or "", "none"), "role_name": role, "user": user}
    return Reply(200, body)


def repo_teams(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    key = repo.full_name.lower()
    teams = sorted(
        (t for t in ctx.world.teams.values() if key in t.repos), key=lambda t: t.slug.lower()
    )
    page, link = paginate(ctx, teams, 30, 100)
    body = [payloads.team(ctx.base, ctx.world, t, t.repos[key]) for t in page]
    return Reply(200, body, {"link": link} if link else {})


def dispatch(ctx: Ctx) -> Reply:
    repo = ctx.repo("push")
    body = ctx.json_object()
    event_type = body.get("event_type")
    payload = body.get("client_payload", {})
    errors: list[dict[str, Any]] = []
    if not isinstance(event_type, str) or not 1 <= len(event_type) <= 100:
        errors.append({"resource": "Dispatch", "field": "event_type", "code": "invalid"})
    if not isinstance(payload, dict) or len(payload) > 10:
        errors.append({"resource": "Dispatch", "field": "client_payload", "code": "invalid"})
    if errors:
        raise ApiError(422, "Validation Failed", errors=errors)
    assert isinstance(event_type, str) and isinstance(payload, dict)
    ctx.world.dispatches.append(
        Dispatch(repo.owner, repo.name, event_type, dict(payload), ctx.identity)
    )
    return Reply(204)


ROUTES = [
    Route("GET", "/repos/{owner}/{repo}", get_repo),
    Route(
        "GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", collaborator_permission
    ),
    Route("GET", "/repos/{owner}/{repo}/teams", repo_teams),
    Route("POST", "/repos/{owner}/{repo}/dispatches", dispatch),
]
