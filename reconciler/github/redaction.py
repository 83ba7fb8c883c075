"""Keeping tokens, URL credentials and secret values out of every message.

Errors are built from HTTP statuses and GitHub's own words, never from request
bodies or headers; this module is the last guard for text that may still hold
a value (GitHub echoing part of a request, a proxy's error page), and refuses,
without quoting them, settings whose text would otherwise end up in a message.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from reconciler.github.errors import GitHubError
from reconciler.github.masking import REDACTED, scrub

# Visible ASCII only: no GitHub token (classic, fine-grained, App installation)
# holds anything else, and a space, CR or LF inside one would either split an
# HTTP header or make the HTTP library refuse it with an error that quotes it.
TOKEN_SHAPE = re.compile(r"^[\x21-\x7e]+$")

__all__ = [
    "REDACTED",
    "TOKEN_SHAPE",
    "checked_token",
    "scrub",
    "scrubbed",
    "shown_url",
    "split_api_url",
]


def scrubbed(error: GitHubError, *values: str) -> GitHubError:
    """A copy of `error` whose message holds none of `values` (no link to the original)."""
    copy = GitHubError(error.kind, scrub(str(error), *values), status=error.status)
    copy.__cause__ = None
    copy.__context__ = None
    copy.__suppress_context__ = True
    return copy


def checked_token(raw: str, variable: str) -> str:
    """The token without surrounding whitespace; refused, never quoted, when malformed."""
    value = raw.strip()
    if not value:
        raise GitHubError(
            "config",
            f"{variable} is set but holds only whitespace; set it to the token, or unset it",
        )
    if not TOKEN_SHAPE.match(value):
        raise GitHubError(
            "config",
            f"{variable} holds a space, a line break or another character that no GitHub "
            "token has; set it again from the token alone (the value is not shown)",
        )
    return value


def well_formed(parts: SplitResult) -> bool:
    """`scheme://host...`: only then do we know which part is the user info."""
    return bool(parts.scheme) and bool(parts.hostname)


def shown_url(parts: SplitResult) -> str:
    """The URL as it may appear in a message: no user, password, query or fragment.

    Only for a well-formed URL: in `https:/user:pass@host` or `user:pass@host`
    the parser finds no host, and the password lands in the path or the scheme.
    """
    if not well_formed(parts):
        return "(not shown)"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None else f"{host}:{port}"
    hidden = "***@" if "@" in parts.netloc else ""
    # An "@" in the path is user info the parser did not recognise as such.
    path = parts.path if "@" not in parts.path else "/***@" + parts.path.rsplit("@", 1)[1]
    return f"{parts.scheme}://{hidden}{netloc}{path}"


def split_api_url(api_url: str) -> SplitResult:
    """GITHUB_API_URL parsed; refused, without quoting secrets, when it embeds any.

    A value that is not `scheme://host...` is never quoted: which part of it
    is a password cannot be told.
    """
    try:
        parts = urlsplit(api_url)
        _ = parts.port
    except ValueError:
        raise GitHubError(
            "config", "GITHUB_API_URL is not a valid URL (expected https://HOST[/api/v3])"
        ) from None
    if not well_formed(parts):
        raise GitHubError(
            "config",
            "GITHUB_API_URL is not an http(s) URL of the form https://HOST[/api/v3] (the "
            "value is not shown: it may hold a password)",
        )
    if "@" in parts.netloc or "@" in parts.path:
        raise GitHubError(
            "config",
            f"GITHUB_API_URL {shown_url(parts)} holds a user name or password, which "
            "reconcile never sends; remove them and authenticate with GITHUB_TOKEN, "
            "GH_TOKEN or a GitHub App",
        )
    if parts.query or parts.fragment:
        raise GitHubError(
            "config",
            f"GITHUB_API_URL {shown_url(parts)} has a query or fragment; give the API "
            "root alone (https://api.github.com or https://HOST/api/v3)",
        )
    return parts
