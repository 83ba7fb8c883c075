"""The WSGI application: auth, limits, faults, routing, headers, logging."""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from reconciler.sandbox.github import (
    routes_accounts,
    routes_apps,
    routes_deployments,
    routes_environments,
    routes_issues,
    routes_oidc,
    routes_repos,
    routes_runs,
    routes_secrets,
    routes_variables,
)
from reconciler.sandbox.github.auth import Credential, resolve
from reconciler.sandbox.github.faults import FaultBook, fault_error
from reconciler.sandbox.github.http import (
    API_VERSIONS,
    ApiError,
    Ctx,
    Reply,
    Route,
    unsupported_version,
)
from reconciler.sandbox.github.methods import changes_state
from reconciler.sandbox.github.ratelimit import PrimaryLimit, SecondaryLimit
from reconciler.sandbox.github.records import Arrival, LoggedRequest, RequestRecord
from reconciler.sandbox.github.state import World

ROUTES: list[Route] = [
    *routes_repos.ROUTES,
    *routes_environments.ROUTES,
    *routes_variables.ROUTES,
    *routes_secrets.ROUTES,
    *routes_accounts.ROUTES,
    *routes_apps.ROUTES,
    *routes_oidc.ROUTES,
    *routes_deployments.ROUTES,
    *routes_runs.ROUTES,
    *routes_issues.ROUTES,
]
UNMETERED = {"/rate_limit"}  # GitHub: reading the rate limit does not count against it

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
_REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 303: "See Other", 304: "Not Modified",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}  # fmt: skip


class _Dropped(ConnectionAbortedError):
    """Raised after closing the socket; werkzeug treats it as a client disconnect."""


class EmulatorApp:
    def __init__(self, world: World) -> None:
        self.world = world
        self.base = ""
        self.latency = 0.0
        self.faults = FaultBook()
        self.primary = PrimaryLimit()
        self.secondary: SecondaryLimit | None = None
        self.requests: list[LoggedRequest] = []
        self.arrivals: list[Arrival] = []
        self.on_request: Callable[[RequestRecord], None] | None = None
        self._log_lock = threading.Lock()

    # alias paths -----------------------------------------------------------------

    def _canonical(self, segments: list[str]) -> list[str]:
        """Rewrite GitHub's id-based URLs (used in Link headers) to their named form."""
        with self.world.lock:
            if len(segments) >= 3 and segments[1] == "repositories" and segments[2].isdigit():
                repo = self.world.repo_by_id(int(segments[2]))
                if repo is not None:
                    return ["", "repos", repo.owner, repo.name, *segments[3:]]
            if (
                len(segments) >= 5
                and segments[1] == "organizations"
                and segments[3] == "team"
                and segments[2].isdigit()
                and segments[4].isdigit()
            ):
                team = self.world.team_by_id(int(segments[4]))
                if team is not None:
                    return ["", "orgs", team.org, "teams", team.slug, *segments[5:]]
        return segments

    # WSGI ----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
        raw_path, _, raw_query = str(raw_uri).partition("?")
        method = str(environ["REQUEST_METHOD"]).upper()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        request_id = uuid.uuid4().hex[:20].upper()
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        path = unquote(raw_path)
        conditional = "if-none-match" in headers
        with self._log_lock:
            self.arrivals.append(Arrival(method, path, time.monotonic()))
        hold = self.faults.holds.take(method, path)

        rule = self.faults.take(method, path)
        if rule is not None and rule.kind == "drop":
            self._log(
                method=method,
                path=path,
                query=query,
                status=0,
                conditional=conditional,
                identity=None,
                headers=headers,
            )
            self._drop(environ)

        credential: Credential | None = None
        try:
            if rule is not None and rule.kind not in {"lose_response", "body"}:
                raise fault_error(rule, request_id, headers.get("authorization", ""))
            reply, credential = self._handle(
                method=method,
                raw_path=raw_path,
                query=query,
                headers=headers,
                body=body,
                request_id=request_id,
            )
        except ApiError as error:
            reply = Reply(error.status, error.payload(), dict(error.headers))
        if rule is not None and rule.kind == "body":
            reply.status, reply.raw = rule.status, rule.body
        status, out_headers, payload = self._finish(
            method=method,
            reply=reply,
            credential=credential,
            request_headers=headers,
            request_id=request_id,
        )
        identity = credential.identity if credential else None
        self._log(
            method=method,
            path=path,
            query=query,
            status=status,
            conditional=conditional,
            identity=identity,
            headers=headers,
        )
        hook = self.on_request
        if hook is not None:
            hook(
                RequestRecord(
                    method=method,
                    url=f"{self.base}{raw_uri}",
                    headers=headers,
                    body=body,
                    status=status,
                    response_headers=dict(out_headers),
                    response_body=payload,
                )
            )
        if hold is not None:
            hold.keep()
        if rule is not None and rule.kind == "lose_response":
            self._drop(environ)
        start_response(f"{status} {_REASONS.get(status, 'Unknown')}", out_headers)
        return [payload]

    def _handle(
        self,
        *,
        method: str,
        raw_path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> tuple[Reply, Credential | None]:
        requested = headers.get("x-github-api-version")
        # Refused before the route and the credential are looked at, as GitHub does.
        if requested is not None and requested not in API_VERSIONS:
            raise unsupported_version(requested)
        segments = self._canonical(raw_path.rstrip("/").split("/") if raw_path != "/" else [""])
        route, params = self._route(method, segments)
        credential = resolve(
            self.world, headers.get("authorization"), jwt_allowed=route.auth == "jwt"
        )
        if route.auth == "jwt" and credential.app is None:
            raise ApiError(
                401,
                "A JSON web token could not be decoded",
                documentation_url="https://docs.github.com/rest",
            )
        try:
            reply = self._handle_as(
                credential=credential,
                route=route,
                params=params,
                segments=segments,
                method=method,
                query=query,
                headers=headers,
                body=body,
                request_id=request_id,
            )
            return reply, credential
        except ApiError as error:
            reply = Reply(error.status, error.payload(), dict(error.headers))
            reply.metered = "/".join(segments) not in UNMETERED
            return reply, credential

    def _handle_as(
        self,
        *,
        credential: Credential,
        route: Route,
        params: dict[str, str],
        segments: list[str],
        method: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> Reply:
        canonical_path = unquote("/".join(segments))
        identity = credential.identity or ""
        metered = canonical_path not in UNMETERED
        if metered:
            account = self.world.account(identity)
            self.primary.check(identity, account.id if account else 0, request_id)
        secondary = self.secondary
        if secondary is not None:
            try:
                secondary.acquire(method, request_id)
            except ApiError as error:
                error.headers.update(self._credential_headers(credential))
                raise
        try:
            if self.latency > 0:
                time.sleep(self.latency)
            parsed: Any = None
            if body:
                try:
                    parsed = json.loads(body)
                except ValueError:
                    raise ApiError(400, "Problems parsing JSON") from None
            ctx = Ctx(
                world=self.world,
                base=self.base,
                method=method,
                path=canonical_path,
                raw_segments=segments,
                params={k: unquote(v) for k, v in params.items()},
                query=query,
                headers=headers,
                body=parsed,
                token=credential.token,
                identity=credential.identity,
                app_id=credential.app.app_id if credential.app else None,
                rate=self.primary.snapshot(credential.identity),
            )
            with self.world.lock:
                try:
                    reply = route.handler(ctx)
                except ApiError as error:
                    reply = Reply(error.status, error.payload(), dict(error.headers))
        finally:
            if secondary is not None:
                secondary.release()
        reply.metered = metered
        return reply

    def _route(self, method: str, segments: list[str]) -> tuple[Route, dict[str, str]]:
        for route in ROUTES:
            if route.method == method:
                params = route.match(segments)
                if params is not None:
                    return route, params
        raise ApiError(404, "Not Found")

    def _credential_headers(self, credential: Credential | None) -> dict[str, str]:
        out: dict[str, str] = {}
        token = credential.token if credential else None
        if token is not None:
            if token.expires_at is not None:
                stamp = token.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
                out["github-authentication-token-expiration"] = stamp
            if token.scopes is not None and token.installation_owner is None:
                out["x-oauth-scopes"] = token.scopes
                out["x-accepted-oauth-scopes"] = "repo"
        return out

    def _finish(
        self,
        *,
        method: str,
        reply: Reply,
        credential: Credential | None,
        request_headers: dict[str, str],
        request_id: str,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        status = reply.status
        if reply.raw is not None:
            payload = reply.raw
        else:
            payload = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
        headers: dict[str, str] = {"content-type": "application/json; charset=utf-8"}
        if method == "GET" and status == 200:
            etag = 'W/"' + hashlib.sha256(payload).hexdigest() + '"'
            headers["etag"] = etag
            sent = {
                t.strip().removeprefix("W/")
                for t in request_headers.get("if-none-match", "").split(",")
            }
            if etag.removeprefix("W/") in sent or "*" in sent:
                status, payload = 304, b""
        identity = credential.identity if credential else None
        if identity is not None and status not in {304, 401} and reply.metered:
            # GitHub documents that a 304 to an authorized conditional request is free.
            self.primary.spend(identity)
        headers.update(self.primary.headers(identity))
        headers["x-github-request-id"] = request_id
        requested = request_headers.get("x-github-api-version", API_VERSIONS[-1])
        if requested in API_VERSIONS:
            headers["x-github-api-version-selected"] = requested
        headers.update(self._credential_headers(credential))
        headers.update(reply.headers)
        headers["content-length"] = str(len(payload))
        if status in {204, 304}:
            headers.pop("content-type", None)
        return status, list(headers.items()), payload

    def _log(
        self,
        *,
        method: str,
        path: str,
        query: dict[str, str],
        status: int,
        conditional: bool,
        identity: str | None,
        headers: dict[str, str],
    ) -> None:
        entry = LoggedRequest(
            method=method,
            path=path,
            query=query,
            status=status,
            conditional=conditional,
            was_304=status == 304,
            is_write=changes_state(method),
            identity=identity,
            time=datetime.now(UTC),
            api_version=headers.get("x-github-api-version"),
            accept=headers.get("accept"),
        )
        with self._log_lock:
            self.requests.append(entry)

    @staticmethod
    def _drop(environ: dict[str, Any]) -> None:
        sock = environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        raise _Dropped("connection dropped by fault rule")
