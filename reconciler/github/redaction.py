"""Keeping tokens, URL credentials and secret values out of every message.

Errors are built from HTTP statuses and GitHub's own words, never from request
bodies or headers; this module is the last guard for text that may still hold
a value (GitHub echoing part of a request, a proxy's error page), and refuses,
without quoting them, settings whose text would otherwise end up in a message.
"""

from __future__ import annotations

import json
import re
from urllib.parse import SplitResult, urlsplit

from reconciler.github.errors import GitHubError

REDACTED = "(sensitive)"

# Visible ASCII only: no GitHub token (classic, fine-grained, App installation)
# holds anything else, and a space, CR or LF inside one would either split an
# HTTP header or make the HTTP library refuse it with an error that quotes it.
TOKEN_SHAPE = re.compile(r"^[\x21-\x7e]+$")

# Lines of a multi-line value shorter than this are not scrubbed one by one:
# "-----" or "}" would blank out half of any message.
_MIN_LINE = 8


def scrub(text: str, *values: str) -> str:
    """`text` with every form in which one of `values` could appear replaced.

    Forms: the value itself, stripped, with its whitespace collapsed (as one-line
    error messages are), JSON-escaped, and each of its longer lines.
    """
    forms: set[str] = set()
    for value in values:
        if not value:
            continue
        forms.update(
            f for f in (value, value.strip(), " ".join(value.split()), json.dumps(value)[1:-1]) if f
        )
        forms.update(line.strip() for line in value.splitlines() if len(line.strip()) >= _MIN_LINE)
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


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


def shown_url(parts: SplitResult) -> str:
    """The URL as it may appear in a message: no user, password, query or fragment."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None else f"{host}:{port}"
    hidden = "***@" if "@" in parts.netloc else ""
    return f"{parts.scheme}://{hidden}{netloc}{parts.path}"


def split_api_url(api_url: str) -> SplitResult:
    """GITHUB_API_URL parsed; refused, without quoting secrets, when it embeds any."""
    try:
        parts = urlsplit(api_url)
        _ = parts.port
    except ValueError:
        raise GitHubError(
            "config", "GITHUB_API_URL is not a valid URL (expected https://HOST[/api/v3])"
        ) from None
    if "@" in parts.netloc:
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
