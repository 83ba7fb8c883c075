"""Actions secrets (sealed-box encrypted), at repository and environment level."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.github import payloads
from reconciler.sandbox.github.crypto import KeyPair
from reconciler.sandbox.github.http import Ctx, Reply, Route, not_found, unprocessable
from reconciler.sandbox.github.names import check_name
from reconciler.sandbox.github.pagination import paginate
from reconciler.sandbox.github.routes_environments import find_env
from reconciler.sandbox.github.state import Secret


def _scope(ctx: Ctx, need: str) -> tuple[dict[str, Secret], KeyPair]:
    repo = ctx.repo(need)
    if "environment_name" in ctx.params:
        env = find_env(repo, ctx.params["environment_name"])
        return env.secrets, env.keys
    return repo.secrets, repo.keys


def _json(secret: Secret) -> dict[str, Any]:
    # The value never leaves the emulator over HTTP, as on GitHub.
    return {
        "name": secret.name,
        "created_at": payloads.iso(secret.created_at),
        "updated_at": payloads.iso(secret.updated_at),
    }


def public_key(ctx: Ctx) -> Reply:
    _, keys = _scope(ctx, "pull")
    return Reply(200, {"key_id": keys.key_id, "key": keys.public_b64})


def list_secrets(ctx: Ctx) -> Reply:
    secrets, _ = _scope(ctx, "pull")
    ordered = sorted(secrets.values(), key=lambda s: s.name)
    page, link = paginate(ctx, ordered, 30, 100)
    body = {"total_count": len(ordered), "secrets": [_json(s) for s in page]}
    return Reply(200, body, {"link": link} if link else {})


def get_secret(ctx: Ctx) -> Reply:
    secrets, _ = _scope(ctx, "pull")
    secret = secrets.get(ctx.params["secret_name"].upper())
    if secret is None:
        raise not_found()
    return Reply(200, _json(secret))


def put_secret(ctx: Ctx) -> Reply:
    secrets, keys = _scope(ctx, "push")
    name = check_name(ctx.params["secret_name"], "Secret")
    body = ctx.json_object()
    encrypted, key_id = body.get("encrypted_value"), body.get("key_id")
    if not isinstance(encrypted, str) or not isinstance(key_id, str):
        raise unprocessable("Invalid request.\n\nencrypted_value and key_id are required.")
    if key_id != keys.key_id:
        raise unprocessable("Bad request - key_id does not match the current public key.")
    plaintext = keys.open(encrypted)
    if plaintext is None:
        raise unprocessable("Bad request - encrypted_value could not be decrypted.")
    now = ctx.world.now()
    existing = secrets.get(name)
    if existing is not None:
        existing.plaintext, existing.updated_at = plaintext, now
        return Reply(204)
    secrets[name] = Secret(name=name, plaintext=plaintext, created_at=now, updated_at=now)
    return Reply(201, {})


def delete_secret(ctx: Ctx) -> Reply:
    secrets, _ = _scope(ctx, "push")
    if secrets.pop(ctx.params["secret_name"].upper(), None) is None:
        raise not_found()
    return Reply(204)


_REPO = "/repos/{owner}/{repo}/actions/secrets"
_ENV = "/repos/{owner}/{repo}/environments/{environment_name}/secrets"
ROUTES = [
    route
    for base in (_REPO, _ENV)
    for route in (
        Route("GET", base, list_secrets),
        Route("GET", base + "/public-key", public_key),
        Route("GET", base + "/{secret_name}", get_secret),
        Route("PUT", base + "/{secret_name}", put_secret),
        Route("DELETE", base + "/{secret_name}", delete_secret),
    )
]
