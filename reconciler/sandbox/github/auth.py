"""Credentials: personal/installation tokens and GitHub App JWTs (RS256)."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from reconciler.sandbox.github.http import ApiError
from reconciler.sandbox.github.state import App, Token, World

BAD_CREDENTIALS = ApiError(401, "Bad credentials", documentation_url="https://docs.github.com/rest")
JWT_MAX_LIFETIME = 600
CLOCK_SKEW = 60


@dataclass(frozen=True)
class Credential:
    token: Token | None
    app: App | None
    identity: str | None


def _bearer(header: str) -> str | None:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() in {"token", "bearer"} and value.strip():
        return value.strip()
    return None


def resolve(world: World, authorization: str | None, *, jwt_allowed: bool) -> Credential:
    """The caller behind an Authorization header, or GitHub's 401."""
    if not authorization:
        raise _fresh(BAD_CREDENTIALS, "Requires authentication")
    value = _bearer(authorization)
    if value is None:
        raise _fresh(BAD_CREDENTIALS)
    if jwt_allowed and value.count(".") == 2:
        app = verify_jwt(world, value)
        return Credential(token=None, app=app, identity=f"app:{app.app_id}")
    token = world.tokens.get(value)
    if token is None:
        raise _fresh(BAD_CREDENTIALS)
    if token.expires_at is not None and token.expires_at <= world.now():
        raise _fresh(BAD_CREDENTIALS)
    return Credential(token=token, app=None, identity=token.login)


def _fresh(error: ApiError, message: str | None = None) -> ApiError:
    return ApiError(
        error.status, message or error.message, documentation_url=error.documentation_url
    )


def verify_jwt(world: World, value: str) -> App:
    try:
        unverified = jwt.decode(value, options={"verify_signature": False})
        app_id = int(unverified.get("iss", 0))
    except (jwt.PyJWTError, ValueError, TypeError):
        raise ApiError(401, "A JSON web token could not be decoded") from None
    app = world.apps.get(app_id)
    if app is None:
        raise ApiError(401, "Integration not found")
    now = int(world.now().timestamp())
    try:
        claims: dict[str, Any] = jwt.decode(
            value,
            app.public_key_pem,
            algorithms=["RS256"],
            options={"require": ["iat", "exp", "iss"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise ApiError(401, "A JSON web token could not be decoded") from None
    iat, exp = int(claims["iat"]), int(claims["exp"])
    if iat > now + CLOCK_SKEW:
        raise ApiError(
            401, "'Issued at' claim ('iat') must be an Integer representing a time in the past"
        )
    if exp <= now:
        raise ApiError(
            401,
            "'Expiration time' claim ('exp') must be a numeric value representing the "
            "future time at which the assertion expires",
        )
    if exp - iat > JWT_MAX_LIFETIME + CLOCK_SKEW or exp > now + JWT_MAX_LIFETIME + CLOCK_SKEW:
        raise ApiError(401, "'Expiration time' claim ('exp') is too far in the future")
    return app


def issue_installation_token(
    world: World, app: App, owner: str, repositories: list[str] | None
) -> tuple[str, Token]:
    alphabet = string.ascii_letters + string.digits
    value = "ghs_" + "".join(secrets.choice(alphabet) for _ in range(36))
    token = Token(
        login=f"{app.slug}[bot]",
        write=True,
        repos=frozenset(r.lower() for r in repositories) if repositories else None,
        expires_at=world.now() + timedelta(hours=1),
        scopes=None,
        installation_owner=owner.lower(),
    )
    world.tokens[value] = token
    return value, token
