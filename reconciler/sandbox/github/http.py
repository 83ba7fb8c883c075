"""The request context handlers see, their reply type, and GitHub-shaped errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.github.methods import changes_state
from reconciler.sandbox.github.state import Repo, Token, World, at_least

DOCS = "https://docs.github.com/rest"
# The REST API versions the emulator serves, newest first; a request naming no
# version gets the oldest, as on GitHub (docs/emulator-fidelity.md, "The REST API version").
API_VERSIONS: tuple[str, ...] = ("2022-11-28",)


class ApiError(Exception):
    """A GitHub error response; the message is GitHub's, never containing request data."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        documentation_url: str = DOCS,
        errors: list[dict[str, Any]] | str | None = None,
        headers: dict[str, str] | None = None,
        body: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.documentation_url = documentation_url
        self.errors = errors
        self.headers = headers or {}
        self.body = body

    def payload(self) -> dict[str, Any] | None:
        if not self.body:
            return None
        out: dict[str, Any] = {
            "message": self.message,
            "documentation_url": self.documentation_url,
            "status": str(self.status),
        }
        if self.errors is not None:
            out["errors"] = self.errors
        return out


def unsupported_version(requested: str) -> ApiError:
    """GitHub's 400 for an X-GitHub-Api-Version it does not serve; `errors` is a string here."""
    newest, older = API_VERSIONS[0], API_VERSIONS[1:]
    supported = " and ".join([f'"{newest}" (most recent)', *(f'"{v}"' for v in older)])
    return ApiError(
        400,
        "Bad Request",
        errors=(
            f'The version you specified in the "X-GitHub-API-Version" request header, '
            f'"{requested}", is not a supported version. The following versions are '
            f"currently supported: {supported}."
        ),
    )


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def unprocessable(message: str, *, errors: list[dict[str, Any]] | None = None) -> ApiError:
    return ApiError(422, message, errors=errors)


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-serialisable, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    metered: bool = True  # counts against the primary rate limit
    raw: bytes | None = None  # sent as is instead of `body` (a fault's hostile answer)


@dataclass
class Ctx:
    world: World
    base: str  # "http://127.0.0.1:PORT"
    method: str
    path: str  # decoded, canonical (alias paths already rewritten)
    raw_segments: list[str]  # canonical path split on "/", still percent-encoded
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: Any
    token: Token | None
    identity: str | None
    app_id: int | None = None  # set when authenticated by a GitHub App JWT
    link_path: str | None = None  # GitHub's alias path for Link headers
    # limit, remaining, reset, used; None: rate limiting is not enabled
    rate: tuple[int, int, int, int] | None = (5000, 5000, 0, 0)

    @property
    def is_write(self) -> bool:
        return changes_state(self.method)

    def json_object(self) -> dict[str, Any]:
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return self.body

    def repo(self, need: str = "pull") -> Repo:
        """The path's repository, if this credential may use it at level `need`."""
        repo = self.world.repo(self.params["owner"], self.params["repo"])
        if repo is None or self.token is None:
            raise not_found()
        perm = self.world.token_permission(repo, self.token)
        if perm is None:
            raise not_found()
        if self.is_write and not self.token.write:
            raise ApiError(403, "Resource not accessible by personal access token")
        if not at_least(perm, need):
            raise ApiError(403, "Must have admin rights to Repository.")
        self.link_path = "/".join([f"/repositories/{repo.id}", *self.raw_segments[4:]])
        return repo


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # "/repos/{owner}/{repo}/..." with one path segment per {param}
    handler: Handler
    auth: str = "token"  # "token" | "jwt"

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """Percent-encoded path segments against the template; values stay encoded."""
        parts = self.template.split("/")
        if len(parts) != len(segments):
            return None
        params: dict[str, str] = {}
        for part, seg in zip(parts, segments, strict=True):
            if part.startswith("{") and part.endswith("}"):
                if not seg:
                    return None
                params[part[1:-1]] = seg
            elif part != seg:
                return None
        return params
