"""How large and how deeply nested an answer from GitHub may be before it is decoded.

Every answer passes our HTTP adapter (`reconciler.github.transport`), which
reads it through `read_bounded`; the conditional-request cache holds kept
bodies to the same bounds. Past them, an answer is no GitHub answer (a proxy,
a hostile server, a damaged cache entry): decoding it would exhaust memory, or
the interpreter's recursion limit (about 1,000 levels) in the JSON decoder or
in whatever walks the result.

The bounds leave room to spare: GitHub's deepest answer we read (an
environment list: environment, protection rule, reviewer, team) nests 7
levels, and its largest (a page of 30 variables of 48 KB each, every
character escaped) is under 9 MiB.
"""

from __future__ import annotations

import requests

from reconciler.github.errors import GitHubError

MAX_ANSWER_BYTES = 32 * 1024 * 1024
MAX_ANSWER_DEPTH = 64

_CHUNK = 64 * 1024
# Arrays and objects alike, as "[" and "]"; everything else dropped.
_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_LARGE = f"is larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB"
_DEEP = f"nests more than {MAX_ANSWER_DEPTH} levels deep"


def too_deep(body: bytes, limit: int = MAX_ANSWER_DEPTH) -> bool:
    """Whether `body`, read as JSON, nests more than `limit` arrays and objects.

    Without recursion and in C-speed passes over bytes: strings are dropped
    (once their escapes are, every quote opens or closes one), then each pass
    drops the innermost pairs of brackets; a body that still shrinks after
    `limit` passes nests deeper. Where the body stops being JSON the count may
    be off, but the decoder stops there too.
    """
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = b"".join(unescaped.split(b'"')[::2])
    brackets = outside_strings.translate(_AS_BRACKETS, _NOT_BRACKETS)
    opened = b"[" * (limit + 1)
    for _ in range(limit + 1):
        if opened in brackets:
            return True
        # str.replace does not rescan what a replacement joins: one level a pass.
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            return False
        brackets = shorter
    return bool(brackets)


def refusal(body: bytes) -> str | None:
    """Why `body` cannot be a GitHub answer, or None when it can."""
    if len(body) > MAX_ANSWER_BYTES:
        return _LARGE
    if too_deep(body):
        return _DEEP
    return None


def _refused(response: requests.Response, method: str, path: str, why: str) -> GitHubError:
    response.close()  # the rest is never read: the connection cannot be reused
    return GitHubError(
        "server",
        f"GitHub answered {response.status_code} to {method} {path} with a body that {why}, "
        "which no GitHub answer does (a proxy in between?); it was not read",
        status=response.status_code,
    )


def read_bounded(response: requests.Response, method: str, path: str) -> None:
    """Read `response`'s body now, as requests would, within the bounds; a GitHubError
    for a body past them (for a write: it may have been carried out)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise _refused(response, method, path, _LARGE)
    chunks: list[bytes] = []
    size = 0
    # Counted as it arrives: a body sent in chunks (or compressed) declares no length.
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise _refused(response, method, path, _LARGE)
        chunks.append(chunk)
    body = b"".join(chunks)
    # What `Response.content` does once read: every later reader gets these bytes.
    response._content = body
    response._content_consumed = True  # type: ignore[attr-defined]  # not in requests' stubs
    why = refusal(body)
    if why is not None:
        raise _refused(response, method, path, why)
