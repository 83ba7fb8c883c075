"""A connection to one GitHub API: credentials, transport, one client per thread.

PyGithub's `Github` is not thread-safe, so each worker thread gets its own
client; all of them share one pacer (one budget per run), one retry policy and,
given a cache directory, one conditional-request cache.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from github import Auth, Github
from github.Requester import Requester

from reconciler import __version__
from reconciler.github.cache import ConditionalCache, app_identity, token_identity
from reconciler.github.errors import GitHubError, detached, translate
from reconciler.github.outage import OutageTally
from reconciler.github.pacer import Pacer
from reconciler.github.redaction import checked_token, shown_url, split_api_url
from reconciler.github.settings import RetryPolicy, TransportSettings
from reconciler.github.transport import paced_client_session, route_pygithub_through_client_sessions
from reconciler.model.desired import DesiredState

DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class TokenCredentials:
    token: str = field(repr=False)


@dataclass(frozen=True)
class AppCredentials:
    app_id: int
    private_key: str = field(repr=False)  # PEM text
    installation_id: int | None = None
    # Where to look the installation up when its id is not given.
    owner: str | None = None
    repository: str | None = None


Credentials = TokenCredentials | AppCredentials


class InstallationAuth(Auth.AppInstallationAuth):
    """PyGithub's installation auth (refreshes before expiry), made thread-safe,
    and able to drop a token GitHub rejected (revoked, or clocks disagree)."""

    def __init__(self, app_auth: Auth.AppAuth, installation_id: int) -> None:
        super().__init__(app_auth, installation_id)
        self._token_lock = threading.Lock()
        self._stale = False
        # Every installation token handed out this run: a message quoting one
        # must hide it even after it has been replaced.
        self._issued: set[str] = set()

    @property
    def token(self) -> str:
        with self._token_lock:
            value: str = super().token
            self._issued.add(value)
            return value

    def issued(self) -> tuple[str, ...]:
        with self._token_lock:
            return tuple(self._issued)

    @property
    def _is_expired(self) -> bool:
        if self._stale:
            self._stale = False
            return True
        expired: bool = super()._is_expired
        return expired

    def invalidate(self) -> None:
        with self._token_lock:
            self._stale = True


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_url(api_url: str) -> str:
    """The URL without a trailing slash; refuses plain http:// to a remote host,
    and credentials, a query or a fragment in it (quoting none of them)."""
    parts = split_api_url(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GitHubError("config", f"GITHUB_API_URL {shown_url(parts)!r} is not an http(s) URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise GitHubError(
            "config",
            f"refusing to send GitHub credentials over plain http:// to {parts.hostname}; "
            "use https:// (plain http is allowed only for a loopback host)",
        )
    return api_url.rstrip("/")


class GitHubConnection:
    """Credentials plus transport settings; hands out one PyGithub client per thread.

    `transport` sets how requests are paced and retried (production's defaults
    when None); `retry` and `pacer`, when given, take the place of its parts
    (a `Pacer` also brings its observer, if any).
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        api_url: str = DEFAULT_API_URL,
        transport: TransportSettings | None = None,
        retry: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        timeout: float = 30.0,
        cache_dir: Path | None = None,
    ) -> None:
        settings = transport or TransportSettings()
        self.api_url = check_api_url(api_url)
        # None: no conditional-request cache (every GET answered in full).
        self.cache_dir = cache_dir
        self.credentials = credentials
        self.retry_policy = retry or settings.retry
        self.pacer = pacer or Pacer(settings.pacer)
        # Writes failing in a row, over every client of this connection (github/outage.py).
        self.outage = OutageTally()
        # What this connection runs with, for connections made on its behalf.
        self.transport = TransportSettings(self.pacer.config, self.retry_policy)
        self.timeout = timeout
        # Per-run memo for lookups that cannot change during a run (identities,
        # secret public keys); guarded by `memo_lock`.
        self.memo: dict[Any, Any] = {}
        self.memo_lock = threading.Lock()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._clients: list[Github] = []
        self._sessions: list[requests.Session] = []
        self._auth: Auth.Auth | None = None
        self._app_slug: str | None = None
        self._cache: ConditionalCache | None = None

    def client(self) -> Github:
        """This thread's PyGithub client, made on first use."""
        existing: Github | None = getattr(self._local, "client", None)
        if existing is None:
            existing = self._make_client(self._credentials_auth())
            self._local.client = existing
        return existing

    @property
    def cache(self) -> ConditionalCache | None:
        """The conditional-request cache, once the first client made it (None: disabled)."""
        with self._lock:
            return self._cache

    def requester(self) -> Requester:
        requester: Requester = self.client().requester
        return requester

    def sensitive_values(self) -> tuple[str, ...]:
        """The credentials in use, to hide from every message: the token, or the
        App's private key and installation tokens (its JWTs are hidden by shape,
        see `reconciler.github.masking`)."""
        creds = self.credentials
        if isinstance(creds, TokenCredentials):
            return (creds.token,)
        with self._lock:
            auth = self._auth
        issued = auth.issued() if isinstance(auth, InstallationAuth) else ()
        return (creds.private_key, *issued)

    def actor(self) -> str | None:
        """For an App: its slug when known, else `app/<id>`; None for a token."""
        if isinstance(self.credentials, AppCredentials):
            self._credentials_auth()
            return self._app_slug or f"app/{self.credentials.app_id}"
        return None

    def refresh_credentials(self) -> bool:
        """After a 401: drop an App installation token so the next request gets a new one.

        False when there is nothing to refresh (a personal token is just wrong).
        """
        with self._lock:
            auth = self._auth
        if isinstance(auth, InstallationAuth):
            auth.invalidate()
            return True
        return False

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
            sessions, self._sessions = self._sessions, []
        for client in clients:
            client.close()
        for session in sessions:
            session.close()

    def __enter__(self) -> GitHubConnection:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _make_client(self, auth: Auth.Auth, *, cached: bool = True) -> Github:
        pool = self.pacer.config.max_concurrent
        cache = self._cache_for(auth) if cached else None
        session, retry = paced_client_session(
            self.pacer, self.retry_policy, pool_size=pool, cache=cache, outage=self.outage
        )
        # Before the client exists: PyGithub picks its connection class on creation.
        route_pygithub_through_client_sessions()
        client = Github(
            auth=auth,
            base_url=self.api_url,
            timeout=max(int(self.timeout), 1),
            user_agent=f"reconcile/{__version__}",
            per_page=100,
            retry=retry,
            pool_size=pool,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )
        with self._lock:
            self._clients.append(client)
            self._sessions.append(session)
        return client

    def _cache_for(self, auth: Auth.Auth) -> ConditionalCache | None:
        """The one cache of this connection, keyed by who `auth` is (never the token itself)."""
        if self.cache_dir is None:
            return None
        if isinstance(auth, Auth.Token):
            identity = token_identity(auth.token)
        elif isinstance(auth, Auth.AppInstallationAuth):
            identity = app_identity(auth.app_id, auth.installation_id)
        else:
            # An App's own JWT changes every few minutes and reads nothing we plan from.
            return None
        with self._lock:
            if self._cache is None:
                self._cache = ConditionalCache(
                    self.cache_dir, api_url=self.api_url, identity=identity
                )
            return self._cache

    def _credentials_auth(self) -> Auth.Auth:
        with self._lock:
            if self._auth is not None:
                return self._auth
        creds = self.credentials
        if isinstance(creds, TokenCredentials):
            auth: Auth.Auth = Auth.Token(creds.token)
        else:
            app_auth = Auth.AppAuth(creds.app_id, creds.private_key)
            installation = creds.installation_id or self._find_installation(app_auth, creds)
            auth = InstallationAuth(app_auth, installation)
        with self._lock:
            if self._auth is None:
                self._auth = auth
            return self._auth

    def _find_installation(self, app_auth: Auth.AppAuth, creds: AppCredentials) -> int:
        if not creds.owner or not creds.repository:
            raise GitHubError(
                "config",
                "GITHUB_APP_INSTALLATION_ID is not set and there is no repository to find "
                "the App's installation from",
            )
        path = f"/repos/{quote(creds.owner, safe='')}/{quote(creds.repository, safe='')}"
        client = self._make_client(app_auth, cached=False)
        failure: GitHubError | None = None
        data: dict[str, Any] = {}
        try:
            _, data = client.requester.requestJsonAndCheck("GET", f"{path}/installation")
        except Exception as exc:
            failure = translate(
                exc,
                action=f"finding the GitHub App installation for {creds.owner}/{creds.repository}",
                permission="App installed on the repository",
                api_url=self.api_url,
                hide=self.sensitive_values(),
            )
        if failure is not None:
            raise detached(failure)
        found = data.get("id") if isinstance(data, dict) else None
        if not isinstance(found, int) or isinstance(found, bool):
            raise GitHubError(
                "server",
                f"GitHub answered while finding the GitHub App installation for {creds.owner}/"
                f"{creds.repository}, but without the installation's id that endpoint returns",
            )
        slug = data.get("app_slug")
        self._app_slug = slug if isinstance(slug, str) else None
        return found


def _read_key(environ: Mapping[str, str]) -> str:
    text = environ.get("GITHUB_APP_PRIVATE_KEY")
    if text:
        # CI systems often store the PEM with literal "\n".
        return text.replace("\\n", "\n")
    path = environ.get("GITHUB_APP_PRIVATE_KEY_FILE")
    if not path:
        raise GitHubError(
            "config",
            "GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY nor "
            "GITHUB_APP_PRIVATE_KEY_FILE is",
        )
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise GitHubError(
            "config", f"cannot read GITHUB_APP_PRIVATE_KEY_FILE {path}: {exc.strerror}"
        ) from None


def credentials_from_env(
    environ: Mapping[str, str], owner: str | None, first_repo: str | None
) -> Credentials:
    app_id = environ.get("GITHUB_APP_ID")
    if app_id:
        try:
            app_number = int(app_id)
        except ValueError:
            raise GitHubError("config", f"GITHUB_APP_ID {app_id!r} is not a number") from None
        installation = environ.get("GITHUB_APP_INSTALLATION_ID")
        try:
            installation_id = int(installation) if installation else None
        except ValueError:
            raise GitHubError(
                "config", f"GITHUB_APP_INSTALLATION_ID {installation!r} is not a number"
            ) from None
        return AppCredentials(app_number, _read_key(environ), installation_id, owner, first_repo)
    for variable in ("GITHUB_TOKEN", "GH_TOKEN"):
        if environ.get(variable):
            return TokenCredentials(checked_token(environ[variable], variable))
    raise GitHubError(
        "config",
        "no GitHub credentials: set GITHUB_TOKEN (or GH_TOKEN), or GITHUB_APP_ID with "
        "GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE",
    )


def connection_from_env(
    environ: Mapping[str, str],
    owner: str | DesiredState,
    first_repo: str | None = None,
    *,
    transport: TransportSettings | None = None,
    retry: RetryPolicy | None = None,
    pacer: Pacer | None = None,
    cache_dir: Path | None = None,
) -> GitHubConnection:
    """The connection of docs/getting-started.md, "GitHub credentials", from the environment.

    `transport`, `retry`, `pacer`: as for `GitHubConnection` (production's
    pacing and retries when not given). `cache_dir`: see
    `reconciler.github.cache.resolve_cache_dir` for what the
    `--cache-dir`/`--no-cache` options mean; None runs without the cache.
    """
    if isinstance(owner, DesiredState):
        if first_repo is None and owner.repositories:
            first_repo = owner.repositories[0].name
        owner = owner.owner
    api_url = environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    check_api_url(api_url)
    credentials = credentials_from_env(environ, owner, first_repo)
    return GitHubConnection(
        credentials,
        api_url=api_url,
        transport=transport,
        retry=retry,
        pacer=pacer,
        cache_dir=cache_dir,
    )
