"""GitHub App endpoints, authenticated by the app's RS256 JWT."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.github import payloads
from reconciler.sandbox.github.auth import issue_installation_token
from reconciler.sandbox.github.http import ApiError, Ctx, Reply, Route, not_found
from reconciler.sandbox.github.state import App

_PERMISSIONS = {
    "actions": "write",
    "administration": "write",
    "environments": "write",
    "metadata": "read",
    "secrets": "write",
    "variables": "write",
}


def _app(ctx: Ctx) -> App:
    app = ctx.world.apps.get(ctx.app_id or -1)
    if app is None:
        raise ApiError(401, "A JSON web token could not be decoded")
    return app


def _installation(ctx: Ctx, app: App, owner: str, installation_id: int) -> dict[str, Any]:
    account = ctx.world.account(owner)
    assert account is not None
    created = payloads.iso(app.created_at)
    return {
        "id": installation_id,
        "account": payloads.simple_user(ctx.base, account),
        "repository_selection": "all",
        "access_tokens_url": f"{ctx.base}/app/installations/{installation_id}/access_tokens",
        "repositories_url": f"{ctx.base}/installation/repositories",
        "html_url": f"https://github.com/organizations/{account.login}/settings/installations/"
        f"{installation_id}",
        "app_id": app.app_id,
        "app_slug": app.slug,
        "target_id": account.id,
        "target_type": account.type,
        "permissions": dict(_PERMISSIONS),
        "events": [],
        "created_at": created,
        "updated_at": created,
        "single_file_name": None,
        "suspended_by": None,
        "suspended_at": None,
    }


def repo_installation(ctx: Ctx) -> Reply:
    app = _app(ctx)
    repo = ctx.world.repo(ctx.params["owner"], ctx.params["repo"])
    installation_id = app.installations.get(repo.owner.lower()) if repo else None
    if repo is None or installation_id is None:
        raise not_found()
    return Reply(200, _installation(ctx, app, repo.owner, installation_id))


def create_access_token(ctx: Ctx) -> Reply:
    app = _app(ctx)
    try:
        installation_id = int(ctx.params["installation_id"])
    except ValueError:
        raise not_found() from None
    found = ctx.world.installation(installation_id)
    if found is None or found[0].app_id != app.app_id:
        raise not_found()
    owner = found[1]
    body = ctx.json_object()
    repositories = body.get("repositories")
    if repositories is not None and (
        not isinstance(repositories, list)
        or any(ctx.world.repo(owner, str(name)) is None for name in repositories)
    ):
        raise ApiError(
            422,
            "There is at least one repository that does not exist or is not accessible to "
            "the parent installation.",
        )
    names = [str(r) for r in repositories] if repositories else None
    value, token = issue_installation_token(ctx.world, app, owner, names)
    assert token.expires_at is not None
    reply: dict[str, Any] = {
        "token": value,
        "expires_at": payloads.iso(token.expires_at),
        "permissions": dict(_PERMISSIONS),
        "repository_selection": "selected" if names else "all",
    }
    return Reply(201, reply)


ROUTES = [
    Route("GET", "/repos/{owner}/{repo}/installation", repo_installation, auth="jwt"),
    Route(
        "POST",
        "/app/installations/{installation_id}/access_tokens",
        create_access_token,
        auth="jwt",
    ),
]
