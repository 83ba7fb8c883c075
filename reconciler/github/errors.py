"""One-line errors for everything that can go wrong talking to GitHub.

Messages name the operation and, for 403, the permission that is most likely
missing. They are built from the HTTP status and GitHub's own `message` only:
request bodies (which may carry sealed secrets) and headers (which carry the
token) never reach them.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import requests
from github import GithubException

from reconciler.errors import ReconcileError
from reconciler.github.masking import clip, scrub

ErrorKind = Literal[
    "auth", "forbidden", "not_found", "validation", "network", "rate_limit", "server", "config"
]


class GitHubError(ReconcileError):
    """A GitHub API failure explained in one line; `kind` and `status` for callers."""

    def __init__(
        self, kind: ErrorKind, message: str, *, status: int | None = None, detail: str = ""
    ) -> None:
        super().__init__(" ".join(message.split()))
        self.kind: ErrorKind = kind
        self.status = status
        self.detail = detail  # GitHub's own `message`, when it gave one


class RepositoryNotFound(GitHubError):
    """The repository does not exist, or the credentials cannot see it."""

    def __init__(self, full_name: str) -> None:
        super().__init__(
            "not_found",
            f"repository {full_name} not found (404): it does not exist or the "
            "credentials cannot see it",
            status=404,
        )
        self.full_name = full_name


def github_message(data: Any, hide: tuple[str, ...] = ()) -> str:
    """GitHub's `message` plus any validation `errors`, as one short phrase.

    `hide`: values to scrub (credentials, a secret being written); scrubbed
    before the phrase is cut, so that no cut leaves the start of one behind.
    """
    if not isinstance(data, dict):
        return clip(str(data), 200, *hide) if data else ""
    message = str(data.get("message") or "")
    details = []
    for item in data.get("errors") or []:
        if isinstance(item, dict):
            details.append(str(item.get("message") or item.get("code") or item))
        else:
            details.append(str(item))
    if details:
        message = f"{message} ({'; '.join(details)})" if message else "; ".join(details)
    return clip(message, 300, *hide)


def _is_rate_limit(status: int, message: str, headers: Any) -> bool:
    lowered = message.lower()
    if status == 429 or "rate limit" in lowered:
        return True
    remaining = (headers or {}).get("x-ratelimit-remaining")
    return status == 403 and remaining == "0"


def from_status(
    status: int,
    data: Any,
    headers: Any,
    *,
    action: str,
    permission: str,
    hide: tuple[str, ...] = (),
) -> GitHubError:
    """The error for a non-success HTTP answer to `action` (`hide`: as for `github_message`)."""
    message = github_message(data, hide)
    said = f": {message}" if message else ""
    if status == 401:
        return GitHubError(
            "auth",
            f"GitHub rejected the credentials while {action} (401{said}); check "
            "GITHUB_TOKEN/GH_TOKEN or the GitHub App id and private key",
            status=status,
        )
    if status in (403, 429) and _is_rate_limit(status, message, headers):
        return GitHubError(
            "rate_limit",
            f"GitHub rate limit exhausted while {action} ({status}{said}); retry later "
            "or lower --concurrency",
            status=status,
        )
    if status == 403:
        return GitHubError(
            "forbidden",
            f"GitHub refused {action} (403{said}); the credentials likely lack the "
            f"{permission} permission",
            status=status,
            detail=message,
        )
    if status == 404:
        return GitHubError("not_found", f"not found while {action} (404{said})", status=status)
    if status == 422:
        return GitHubError("validation", f"GitHub rejected {action} (422{said})", status=status)
    return GitHubError("server", f"GitHub answered {status} while {action}{said}", status=status)


_UNPERMITTED_KEY = re.compile(r"""["']?([A-Za-z_]+)["']? is not a permitted key""")


def environment_write_error(
    status: int, data: Any, *, environment: str, repository: str, needs: str | None = None
) -> GitHubError | None:
    """The answers to an environment PUT that mean "this server or plan cannot", explained.

    None for every other answer: the caller's ordinary error applies.
    """
    message = github_message(data)
    said = f" ({status}: {message})" if message else f" ({status})"
    lowered = message.lower()
    where = f"environment {environment} of {repository}"
    unpermitted = _UNPERMITTED_KEY.search(message)
    if status == 422 and unpermitted is not None:
        return GitHubError(
            "validation",
            f"GitHub refused writing {where}: this server does not know the environment "
            f"setting {unpermitted.group(1)}{said}; it is an older GitHub Enterprise Server "
            "that predates it, and reconcile cannot write this environment there until the "
            "server is upgraded",
            status=status,
        )
    if status == 422 and "billing plan" in lowered:
        return GitHubError(
            "validation",
            f"GitHub refused writing {where}{said}: {needs or 'its protection rules'} cannot be "
            f"enforced on {repository} on this plan; on private and internal repositories "
            "required reviewers and wait timers need GitHub Enterprise (or make the "
            "repository public)",
            status=status,
        )
    if status == 404:
        return GitHubError(
            "not_found",
            f"GitHub answered 404 while writing {where}: the repository is private on "
            "GitHub Free, where environments are not available, or the credentials cannot "
            "see it",
            status=status,
        )
    return None


def detached(error: GitHubError) -> GitHubError:
    """The error without links to the exceptions it replaced.

    A requests exception holds the prepared request, whose headers carry the
    token and whose body may carry a sealed secret; `raise ... from None` only
    hides `__context__` from tracebacks, it does not drop the reference.
    """
    error.__cause__ = None
    error.__context__ = None
    error.__suppress_context__ = True
    return error


def translate(
    exc: BaseException,
    *,
    action: str,
    permission: str,
    api_url: str,
    hide: tuple[str, ...] = (),
) -> GitHubError:
    """Any exception from a PyGithub call, as a GitHubError (the original is dropped).

    `hide`: the credentials in use, and any value being written.
    """
    if isinstance(exc, GitHubError):
        return detached(exc)
    if isinstance(exc, GithubException):
        return from_status(
            exc.status, exc.data, exc.headers, action=action, permission=permission, hide=hide
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return GitHubError("network", f"cannot reach {api_url} while {action}: timed out")
    if isinstance(exc, requests.exceptions.RequestException | OSError):
        reason = _reason(exc, hide)
        return GitHubError("network", f"cannot reach {api_url} while {action}: {reason}")
    return GitHubError("server", f"unexpected failure while {action}: {type(exc).__name__}")


def _reason(exc: BaseException, hide: tuple[str, ...]) -> str:
    """The innermost cause's class and text: 'ConnectionRefusedError: ...'."""
    inner: BaseException = exc
    seen = 0
    while seen < 8:
        nxt = inner.__cause__ or inner.__context__
        reason = getattr(inner, "reason", None)
        if isinstance(reason, BaseException):
            nxt = reason
        if nxt is None:
            break
        inner = nxt
        seen += 1
    # An HTTP library's error may quote a header, and with it the token.
    text = scrub(str(inner), *hide).split("\n", 1)[0][:160]
    return f"{type(inner).__name__}: {text}" if text else type(inner).__name__
