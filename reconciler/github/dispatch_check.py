"""Can a stored GitHub token still fire `repository_dispatch` at its target?

The admin pipeline hands off to the platform with a token kept in a secret
(runbook section e). Plan checks that token without writing anything: one
`GET /repos/{owner}/{repo}` made WITH that token answers all three questions.

- validity: GitHub answers 401 to a wrong, revoked or expired token (it does
  not tell them apart, so an expired token is `token_invalid` too);
- access: 404 means the token cannot see the repository; `permissions.push`
  false means it cannot dispatch (the endpoint needs write access, "Contents:
  write" for a fine-grained token); a classic token's `x-oauth-scopes` must
  hold `repo` (or `public_repo` for a public repository);
- expiry: the `github-authentication-token-expiration` response header.

Limits of a read-only check: for a fine-grained token GitHub reports the
user's role in `permissions`, not the token's own grants, so a token limited
to "Contents: read" by a user with write access passes. Only a real dispatch
would tell, and plan never writes.

The token value stays in memory: findings and raised errors name the secret
and the target repository only, and any text that reaches them is scrubbed of
the value as a last guard.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.errors import InvariantError
from reconciler.github.connection import GitHubConnection, TokenCredentials
from reconciler.github.errors import GitHubError, detached, from_status
from reconciler.github.pacer import Pacer
from reconciler.github.redaction import TOKEN_SHAPE, scrub
from reconciler.github.rest import Answer, repo_path, send
from reconciler.github.settings import TransportSettings
from reconciler.model.findings import Code
from reconciler.model.plan import Finding, Severity

DEFAULT_WARN_DAYS = 14

_EXPIRATION_HEADER = "github-authentication-token-expiration"
_SCOPES_HEADER = "x-oauth-scopes"
_ACTION = "reading the target repository"
_PERMISSION = "Metadata: read"
_TARGET_SHAPE = re.compile(r"^[^/\s]+/[^/\s]+$")

# Ordered most specific first; GitHub sends the first one.
_EXPIRATION_FORMATS = (
    "%Y-%m-%d %H:%M:%S %Z",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M %Z",
    "%Y-%m-%d %H:%M %z",
)


def parse_expiration(value: str) -> datetime | None:
    """GitHub's expiration header as an aware UTC datetime; None when unreadable.

    GitHub sends `2026-12-01 00:00:00 UTC`; older answers and proxies have used
    `2026-12-01 00:00:00 +0000` and ISO 8601, which are accepted too.
    """
    text = " ".join(value.split())
    if not text:
        return None
    parsed: datetime | None = None
    for form in _EXPIRATION_FORMATS:
        try:
            parsed = datetime.strptime(text, form)
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" UTC", "+00:00"))
        except ValueError:
            return None
    # `%Z` parses "UTC" but leaves the datetime naive; GitHub's dates are UTC.
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def source_unreadable_finding(
    message: str, *, secret_name: str, repository: str | None, environment: str | None
) -> Finding:
    """The error for a check that could not start: the secret's value was not readable.

    `message` says why (from the source adapter); it must not hold the value.
    """
    return Finding(
        severity=Severity.ERROR,
        code=Code.SOURCE_UNREADABLE,
        message=(
            f"cannot check secret {secret_name} as a repository_dispatch token: "
            f"its value could not be read from its source: {message}"
        ),
        repository=repository,
        environment=environment,
    )


def check_dispatch_token(
    api_url: str,
    token: str,
    target: str,
    *,
    secret_name: str,
    repository: str,
    environment: str | None,
    warn_days: int = DEFAULT_WARN_DAYS,
    now: datetime,
    transport: TransportSettings | None = None,
    timeout: float = 30.0,
    pacer: Pacer | None = None,
) -> list[Finding]:
    """Findings about `token` (the value of secret `secret_name`) dispatching to `target`.

    `pacer`: the run's, so the check's request counts in the same windows as the
    run's own (GitHub may count both tokens' requests against one limit).

    `target` is "owner/name"; `repository`/`environment` are where the secret
    lives (the findings' scope). Empty list: the token is valid, reaches
    `target` with write access and is not near expiry.

    Raises GitHubError (value scrubbed, chain cut) when GitHub cannot answer:
    network failure, rate limit, server error or a refused `api_url`; those
    say nothing about the token.
    """
    if not _TARGET_SHAPE.match(target):
        raise GitHubError("config", f"dispatch target {target!r} is not 'owner/name'")
    scope = _Scope(secret_name, target, repository, environment, token)
    value = token.strip()
    if not value:
        return [scope.finding(Severity.ERROR, Code.TOKEN_INVALID, "the value is empty")]
    if not TOKEN_SHAPE.match(value):
        return [
            scope.finding(
                Severity.ERROR,
                Code.TOKEN_INVALID,
                "the value holds spaces or characters a GitHub token never has",
            )
        ]
    answer = _read_target(
        api_url, value, target, transport=transport, timeout=timeout, scope=scope, pacer=pacer
    )
    return _judge(answer, scope, warn_days=warn_days, now=now)


class _Scope:
    """Who the findings are about, and the value they must never show."""

    def __init__(
        self,
        secret_name: str,
        target: str,
        repository: str,
        environment: str | None,
        token: str,
    ) -> None:
        self.secret_name = secret_name
        self.target = target
        self.repository = repository
        self.environment = environment
        self._token = token

    def scrub(self, text: str) -> str:
        return scrub(text, self._token)

    def finding(self, severity: Severity, code: Code, detail: str) -> Finding:
        message = (
            f"secret {self.secret_name} (repository_dispatch token for {self.target}): {detail}"
        )
        return Finding(
            severity=severity,
            code=code,
            message=self.scrub(message),
            repository=self.repository,
            environment=self.environment,
        )


def _read_target(
    api_url: str,
    token: str,
    target: str,
    *,
    transport: TransportSettings | None,
    timeout: float,
    scope: _Scope,
    pacer: Pacer | None,
) -> Answer | GitHubError:
    """GitHub's answer, or the refusal (403) PyGithub's retry raises instead of answering."""
    failure: GitHubError | None = None
    answer: Answer | GitHubError | None = None
    try:
        # Its own connection: this token must not share the run's client,
        # credentials or on-disk cache (whose key derives from the token).
        with GitHubConnection(
            TokenCredentials(token),
            api_url=api_url,
            transport=transport,
            timeout=timeout,
            pacer=pacer,
        ) as conn:
            answer = send(conn, "GET", repo_path(target), action=_ACTION, permission=_PERMISSION)
    except GitHubError as exc:
        if exc.kind == "forbidden":
            answer = detached(GitHubError(exc.kind, scope.scrub(str(exc)), status=exc.status))
        else:
            text = scope.scrub(f"secret {scope.secret_name}: {exc}")
            failure = GitHubError(exc.kind, text, status=exc.status)
    if failure is not None:
        raise detached(failure)
    if answer is None:
        raise InvariantError(f"the dispatch check of {target} ended with no answer")
    return answer


def _judge(
    answer: Answer | GitHubError, scope: _Scope, *, warn_days: int, now: datetime
) -> list[Finding]:
    if isinstance(answer, GitHubError):
        return [_refused(scope, str(answer))]
    status = answer.status
    if status == 401:
        return [
            scope.finding(
                Severity.ERROR,
                Code.TOKEN_INVALID,
                "GitHub rejected the token (401): it is wrong, revoked or expired "
                "(GitHub answers an expired token with 401 too); replace the secret's value",
            )
        ]
    findings: list[Finding] = []
    if status == 404:
        findings.append(
            scope.finding(
                Severity.ERROR,
                Code.NO_ACCESS,
                f"the token cannot see {scope.target} (404); grant it that repository "
                "with write access (fine-grained: Contents read and write; classic: repo scope)",
            )
        )
    elif status == 200:
        findings.extend(_access_findings(answer, scope))
    else:
        error = from_status(
            status, answer.data, answer.headers, action=_ACTION, permission=_PERMISSION
        )
        if error.kind == "forbidden":
            findings.append(_refused(scope, str(error)))
        else:
            text = f"secret {scope.secret_name}: {error}"
            raise detached(GitHubError(error.kind, scope.scrub(text), status=status))
    findings.extend(_expiry_findings(answer, scope, warn_days=warn_days, now=now))
    return findings


def _refused(scope: _Scope, reason: str) -> Finding:
    return scope.finding(
        Severity.ERROR,
        Code.NO_ACCESS,
        f"{reason}; for a token this is often an organization policy (SAML single sign-on "
        "not authorized for the token, an IP allow list, or a fine-grained token awaiting "
        "approval)",
    )


def _access_findings(answer: Answer, scope: _Scope) -> list[Finding]:
    data: Any = answer.data if isinstance(answer.data, dict) else {}
    findings: list[Finding] = []
    permissions = data.get("permissions")
    # Absent `permissions` (not sent to an authenticated caller in practice)
    # proves nothing either way, so it is not reported.
    if isinstance(permissions, dict) and not permissions.get("push", False):
        findings.append(
            scope.finding(
                Severity.ERROR,
                Code.NO_ACCESS,
                f"the token can read {scope.target} but not write to it; repository_dispatch "
                "needs write access (fine-grained: Contents read and write)",
            )
        )
    scopes = _classic_scopes(answer)
    if scopes is not None and not _scopes_allow(scopes, private=data.get("private")):
        held = ", ".join(sorted(scopes)) or "none"
        findings.append(
            scope.finding(
                Severity.ERROR,
                Code.NO_ACCESS,
                f"the classic token's scopes ({held}) lack 'repo', which repository_dispatch "
                "needs ('public_repo' is enough only for a public repository)",
            )
        )
    return findings


def _classic_scopes(answer: Answer) -> frozenset[str] | None:
    """A classic token's OAuth scopes; None for tokens without them (fine-grained, App)."""
    header = answer.headers.get(_SCOPES_HEADER)
    if header is None:
        return None
    return frozenset(s.strip() for s in str(header).split(",") if s.strip())


def _scopes_allow(scopes: frozenset[str], *, private: object) -> bool:
    if "repo" in scopes:
        return True
    return "public_repo" in scopes and private is False


def _expiry_findings(
    answer: Answer, scope: _Scope, *, warn_days: int, now: datetime
) -> list[Finding]:
    header = answer.headers.get(_EXPIRATION_HEADER)
    if header is None:
        return []  # a token without an expiry date
    expires = parse_expiration(str(header))
    if expires is None:
        return []
    current = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    stamp = expires.strftime("%Y-%m-%d %H:%M UTC")
    if expires <= current:
        return [
            scope.finding(
                Severity.ERROR,
                Code.TOKEN_EXPIRED,
                f"the token expired on {stamp}; replace the secret's value",
            )
        ]
    left = expires - current
    if left <= timedelta(days=warn_days):
        return [
            scope.finding(
                Severity.WARNING,
                Code.TOKEN_EXPIRING,
                f"the token expires on {stamp} ({_describe(left)} from now, within the "
                f"{warn_days}-day warning window); rotate it before then",
            )
        ]
    return []


def _describe(left: timedelta) -> str:
    if left >= timedelta(days=1):
        days = round(left / timedelta(days=1))
        return f"{days} day{'s' if days != 1 else ''}"
    hours = int(left.total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else "less than an hour"
