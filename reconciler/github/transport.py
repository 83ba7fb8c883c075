"""The HTTP layer under PyGithub: pacing, counting and retries.

PyGithub sends every request through a `requests.Session` held by a
connection object it makes from the connection classes
`Requester.injectConnectionClasses` names (its public extension point, also
what its own replay tests use). Ours, `PacedHTTPConnection` and
`PacedHTTPSConnection`, send through the session of the client they were made
for, found on the `ReconcileRetry` PyGithub hands every connection it makes.
`PacedAdapter` is mounted on that session, so each request (one per PyGithub
call, the App's installation-token requests included) passes the shared
pacer and is counted. With a
`ConditionalCache`, a GET carries the kept ETag as `If-None-Match`, and a 304
goes back up as the kept 200 body (PyGithub never sees a 304); the pacer's
observer is still told of the 304, which is what shows how much of a run was free.

Retries stay in urllib3, driven by `ReconcileRetry` (a `GithubRetry`, which
already tells a secondary-rate-limit 403 from a permission 403). What we add:
429, every method including POST (a POST whose answer was lost is met by 409
or 303 on the retry; the writer treats that as "exists"), waits that honour
Retry-After and x-ratelimit-reset, exponential backoff with jitter, a bound
on every wait, and a pacer charge for each retry attempt. A refused
connection or an unknown host name is not retried: nothing is listening
there, and waiting would only delay the one line that says so.
"""

from __future__ import annotations

import errno
import logging
import random
import socket
import time
from typing import Any, cast
from urllib.parse import urlsplit

import requests
from github.GithubRetry import GithubRetry
from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass, Requester
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError
from urllib3.response import BaseHTTPResponse

from reconciler.github.bounds import read_bounded
from reconciler.github.cache import RELOAD_HEADER, REVIVED_HEADER, CachedAnswer, ConditionalCache
from reconciler.github.errors import GitHubError
from reconciler.github.outage import OutageTally
from reconciler.github.pacer import Pacer
from reconciler.github.settings import RetryPolicy
from reconciler.github.versioning import name_the_api
from reconciler.logs import get_logger

_log = get_logger("reconcile.github")

_ALL_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE", "POST"})
_NEVER_RETRY = (401, 404, 409, 422)
# getaddrinfo's "try again" is a resolver hiccup worth a retry; the rest mean no such host.
_TRANSIENT_RESOLUTION = frozenset({socket.EAI_AGAIN})


def _unreachable(error: Exception | None) -> bool:
    """A refused connection or an unknown host: permanent for this run."""
    if isinstance(error, NameResolutionError):
        cause = error.__cause__
        return not (isinstance(cause, socket.gaierror) and cause.errno in _TRANSIENT_RESOLUTION)
    if isinstance(error, NewConnectionError):
        cause = error.__cause__
        return isinstance(cause, ConnectionRefusedError) or (
            isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
        )
    return False


class _NoRetryNotices(logging.Filter):
    """urllib3 logs each retry as a raw `Retrying (ReconcileRetry(...))` warning;
    the retry is ours to report, so those records are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Retrying (")


_URLLIB3_POOL_LOG = logging.getLogger("urllib3.connectionpool")
_NO_RETRY_NOTICES = _NoRetryNotices()


class ReconcileRetry(GithubRetry):
    def __init__(
        self,
        *,
        policy: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        session: requests.Session | None = None,
        outage: OutageTally | None = None,
        **kwargs: Any,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.pacer = pacer
        # The connection's, shared by its clients: failed writes add up across requests.
        self.outage = outage or OutageTally()
        # The client's session: PyGithub passes this retry object to every
        # connection it makes, which is how those connections find the session.
        self.session = session
        self.planned_wait = 0.0
        self.attempt_method = "GET"
        kwargs.setdefault("total", max(self.policy.tries - 1, 0))
        kwargs.setdefault("status_forcelist", [429, *range(500, 600)])
        kwargs.setdefault("allowed_methods", _ALL_METHODS)
        kwargs.setdefault("raise_on_status", False)
        kwargs.setdefault("respect_retry_after_header", True)
        kwargs.setdefault("secondary_rate_wait", self.policy.secondary_wait)
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> ReconcileRetry:
        kw.update(policy=self.policy, pacer=self.pacer, session=self.session, outage=self.outage)
        fresh: ReconcileRetry = super().new(**kw)
        return fresh

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code in _NEVER_RETRY:
            return False
        return bool(super().is_retry(method, status_code, has_retry_after))

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> ReconcileRetry:
        if _unreachable(error):
            raise MaxRetryError(_pool, url or "", error)
        after = str(response.status) if response is not None else type(error).__name__
        outage = (response is None or response.status >= 500) and self.outage.failed(
            method or "GET", url or "", after, self.policy
        )
        retry = cast(
            ReconcileRetry,
            super().increment(method, url, cast(Any, response), error, _pool, _stacktrace),
        )
        required = self._required_wait(response)
        if required is not None and required > self.policy.max_wait:
            raise GitHubError(
                "rate_limit",
                f"GitHub rate limit: asked to wait {int(required)} s before {method} "
                f"{urlsplit(url or '').path}, longer than the {int(self.policy.max_wait)} s "
                "we wait",
                status=response.status if response is not None else None,
            )
        if required is None:
            attempt = len(retry.history)
            required = self.policy.backoff * 2 ** (attempt - 1)
            required *= 1 + random.uniform(0, self.policy.jitter)  # noqa: S311
        retry.planned_wait = min(required, self.policy.max_wait)
        retry.attempt_method = (method or "GET").upper()
        if outage:
            self.outage.plan(
                retry.planned_wait, retry.attempt_method, url or "", after, self.policy
            )
        _log.info(
            "retrying a GitHub request",
            method=retry.attempt_method,
            path=urlsplit(url or "").path,
            after=response.status if response is not None else type(error).__name__,
            attempt=len(retry.history) + 1,
            wait_seconds=round(retry.planned_wait, 1),
        )
        if self.pacer is not None:
            self.pacer.report(method or "GET", urlsplit(url or "").path, 0, retry=True)
        return retry

    def _required_wait(self, response: BaseHTTPResponse | None) -> float | None:
        """The wait GitHub asked for, if it did; None: ordinary backoff."""
        if response is None:
            return None
        headers = response.headers
        retry_after = headers.get("Retry-After")
        if retry_after:
            try:
                return max(float(self.parse_retry_after(retry_after)), 0.0)
            except Exception:
                return None
        if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
            try:
                return max(float(headers["x-ratelimit-reset"]) - time.time() + 1.0, 0.0)
            except ValueError:
                return None
        if response.status == 403:
            # GithubRetry only lets a 403 through to here for a rate-limit message.
            return self.policy.secondary_wait
        return None

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        if self.planned_wait > 0:
            time.sleep(self.planned_wait)
        if self.pacer is not None:
            self.pacer.charge(self.attempt_method)


class PacedAdapter(HTTPAdapter):
    """Every request through the pacer (points, concurrency), reported to its observer."""

    def __init__(
        self,
        pacer: Pacer,
        *,
        max_retries: ReconcileRetry,
        pool_maxsize: int,
        cache: ConditionalCache | None = None,
    ) -> None:
        super().__init__(max_retries=max_retries, pool_connections=1, pool_maxsize=pool_maxsize)
        _URLLIB3_POOL_LOG.addFilter(_NO_RETRY_NOTICES)  # once: filters are a set by identity
        self.pacer = pacer
        self.pool_maxsize = pool_maxsize
        self.cache = cache
        self.outage = max_retries.outage

    def send(  # noqa: PLR0917 (requests' signature)
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        name_the_api(request.headers)
        method = (request.method or "GET").upper()
        url = request.url or ""
        path = urlsplit(url).path
        cache = self.cache
        reload = request.headers.pop(RELOAD_HEADER, None) is not None
        # A caller's own If-None-Match expects its own 304: leave that exchange alone.
        if (
            cache is None
            or stream
            or "If-None-Match" in request.headers
            or not cache.cacheable(method, url)
        ):
            cache = None
        accept = str(request.headers.get("Accept", ""))
        kept = None
        if cache is not None and reload:
            cache.discard(url, accept)
        elif cache is not None:
            kept = cache.lookup(url, accept)
        if kept is not None:
            request.headers["If-None-Match"] = kept.etag
        with self.pacer.slot(method) as started:
            # In the slot: a write queued behind the one that gave up is not sent.
            self.outage.refuse(method)
            try:
                response = super().send(
                    request,
                    stream=stream,
                    timeout=timeout,
                    verify=verify,
                    cert=cert,
                    proxies=proxies,
                )
            except Exception:
                self.pacer.report(method, path, 0, at=started)
                raise
        self.pacer.observe(response.headers)
        self.pacer.report(method, path, response.status_code, at=started)
        self.outage.answered(method, response.status_code)
        # Before anything decodes it: PyGithub, our calls and the cache alike.
        read_bounded(response, method, path)
        if cache is None:
            return response
        if response.status_code == 304 and kept is not None:
            return _revive(kept, response)
        if response.status_code == 200:
            cache.store(url, accept, response.headers, response.content)
        return response


class _ClientHttpSession(requests.Session):
    """A requests session that reads the environment once per host.

    requests looks up the proxy and CA-bundle variables for every request, a
    scan of the whole environment (about 0.2 ms, a tenth of a whole request to
    a local server). The environment does not change under a run, so one
    client's answer for a host holds for all its requests there.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment_settings: dict[tuple[object, ...], dict[str, Any]] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        parts = urlsplit(url.decode() if isinstance(url, bytes) else str(url or ""))
        key = (parts.scheme, parts.netloc, repr(proxies), stream, repr(verify), repr(cert))
        kept = self._environment_settings.get(key)
        if kept is None:
            kept = dict(super().merge_environment_settings(url, proxies, stream, verify, cert))
            self._environment_settings[key] = kept
        # Copies: requests may change what it is given.
        return {**kept, "proxies": dict(kept["proxies"])}


def paced_client_session(
    pacer: Pacer,
    policy: RetryPolicy,
    *,
    pool_size: int,
    cache: ConditionalCache | None = None,
    outage: OutageTally | None = None,
) -> tuple[requests.Session, ReconcileRetry]:
    """One PyGithub client's session (paced, counted, retried) and the retry to give
    `Github(retry=...)`, through which PyGithub's connections find that session."""
    session = _ClientHttpSession()
    # As PyGithub does: an auth of our own keeps requests from reading ~/.netrc.
    session.auth = Requester.noopAuth
    retry = ReconcileRetry(policy=policy, pacer=pacer, session=session, outage=outage)
    adapter = PacedAdapter(pacer, max_retries=retry, pool_maxsize=pool_size, cache=cache)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, retry


class _ClientSession:
    """PyGithub's connection class, sending through the session of the client it
    serves (named by the retry PyGithub passes in) instead of a session of its own."""

    session: requests.Session

    def __init__(  # noqa: PLR0917 (PyGithub's signature)
        self,
        host: str,
        port: int | None = None,
        strict: bool = False,
        timeout: int | None = None,
        retry: Any = None,
        pool_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(host, port, strict, timeout, retry, pool_size, **kwargs)  # type: ignore[call-arg]
        client_session = retry.session if isinstance(retry, ReconcileRetry) else None
        self.borrowed = client_session is not None
        if client_session is not None:
            self.session.close()
            self.session = client_session

    def close(self) -> None:
        # PyGithub closes a connection when it makes the next one; a borrowed
        # session lives on, and the GitHubConnection that made it closes it.
        if not self.borrowed:
            super().close()  # type: ignore[misc]


class PacedHTTPConnection(_ClientSession, HTTPRequestsConnectionClass):
    pass


class PacedHTTPSConnection(_ClientSession, HTTPSRequestsConnectionClass):
    pass


def route_pygithub_through_client_sessions() -> None:
    """Have PyGithub make our connection classes (process-wide, through its public
    `Requester.injectConnectionClasses`; it then makes one connection object per
    request, which costs nothing here since the session and its pool live on).

    Takes effect for requesters made afterwards. A requester whose retry is not a
    `ReconcileRetry` (PyGithub used by anything else) gets a fresh session of its own
    per request, PyGithub's own behaviour for injected classes.
    """
    Requester.injectConnectionClasses(PacedHTTPConnection, PacedHTTPSConnection)


def _revive(kept: CachedAnswer, answer: requests.Response) -> requests.Response:
    """The kept 200, with the fresh headers of the 304 (rate limit, request id) over it."""
    _ = answer.content  # drain the empty body so the connection returns to the pool
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(dict(kept.headers))
    headers.update(answer.headers)
    for name in ("Content-Encoding", "Transfer-Encoding"):
        headers.pop(name, None)
    headers["Content-Length"] = str(len(kept.body))
    headers[REVIVED_HEADER] = "1"
    revived = requests.Response()
    revived.status_code = 200
    revived.reason = "OK"
    revived.headers = headers
    revived._content = kept.body
    revived.encoding = get_encoding_from_headers(headers)
    revived.url = answer.url
    revived.request = answer.request
    revived.raw = answer.raw
    revived.connection = answer.connection
    revived.elapsed = answer.elapsed
    revived.history = answer.history
    revived.cookies = answer.cookies
    return revived
