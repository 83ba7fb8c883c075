"""Actions variables, at repository and environment level."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.github import payloads
from reconciler.sandbox.github.http import ApiError, Ctx, Reply, Route, not_found, unprocessable
from reconciler.sandbox.github.names import check_name
from reconciler.sandbox.github.pagination import paginate
from reconciler.sandbox.github.routes_environments import find_env
from reconciler.sandbox.github.state import Variable


def _scope(ctx: Ctx, need: str) -> dict[str, Variable]:
    repo = ctx.repo(need)
    if "environment_name" in ctx.params:
        return find_env(repo, ctx.params["environment_name"]).variables
    return repo.variables


def _json(var: Variable) -> dict[str, Any]:
    return {
        "name": var.name,
        "value": var.value,
        "created_at": payloads.iso(var.created_at),
        "updated_at": payloads.iso(var.updated_at),
    }


def _seen(var: Variable) -> bool:
    """Whether this read shows the variable; a read that misses it counts down its lag."""
    if var.unseen_reads > 0:
        var.unseen_reads -= 1
        return False
    return True


def list_variables(ctx: Ctx) -> Reply:
    listed = sorted(_scope(ctx, "pull").values(), key=lambda v: v.name)
    variables = [v for v in listed if _seen(v)]
    page, link = paginate(ctx, variables, 10, 30)
    body = {"total_count": len(variables), "variables": [_json(v) for v in page]}
    return Reply(200, body, {"link": link} if link else {})


def create_variable(ctx: Ctx) -> Reply:
    scope = _scope(ctx, "push")
    body = ctx.json_object()
    name = check_name(body.get("name"), "Variable")
    value = body.get("value")
    if not isinstance(value, str):
        raise unprocessable('Invalid request.\n\n"value" wasn\'t supplied.')
    if name in scope:
        raise ApiError(409, "Already exists - Variable already exists")
    now = ctx.world.now()
    scope[name] = Variable(
        name=name,
        value=value,
        created_at=now,
        updated_at=now,
        unseen_reads=ctx.world.variable_read_lag,
    )
    return Reply(201, {})


def _find(ctx: Ctx, scope: dict[str, Variable]) -> Variable:
    var = scope.get(ctx.params["name"].upper())
    if var is None:
        raise not_found()
    return var


def get_variable(ctx: Ctx) -> Reply:
    var = _find(ctx, _scope(ctx, "pull"))
    if not _seen(var):
        raise not_found()
    return Reply(200, _json(var))


def update_variable(ctx: Ctx) -> Reply:
    scope = _scope(ctx, "push")
    var = _find(ctx, scope)
    body = ctx.json_object()
    value = body.get("value", var.value)
    if not isinstance(value, str):
        raise unprocessable("Invalid request.\n\nvalue must be a string.")
    new_name = var.name
    if body.get("name") is not None:
        new_name = check_name(body["name"], "Variable")
        if new_name != var.name and new_name in scope:
            raise ApiError(409, "Already exists - Variable already exists")
    del scope[var.name]
    var.name, var.value, var.updated_at = new_name, value, ctx.world.now()
    scope[new_name] = var
    return Reply(204)


def delete_variable(ctx: Ctx) -> Reply:
    scope = _scope(ctx, "push")
    del scope[_find(ctx, scope).name]
    return Reply(204)


_REPO = "/repos/{owner}/{repo}/actions/variables"
_ENV = "/repos/{owner}/{repo}/environments/{environment_name}/variables"
ROUTES = [
    route
    for base in (_REPO, _ENV)
    for route in (
        Route("GET", base, list_variables),
        Route("POST", base, create_variable),
        Route("GET", base + "/{name}", get_variable),
        Route("PATCH", base + "/{name}", update_variable),
        Route("DELETE", base + "/{name}", delete_variable),
    )
]
