"""The conditional-request cache: ETags and bodies of GitHub GET answers, kept between runs.

Every GET answered 200 with an ETag is kept; the next request for the same URL
carries `If-None-Match` and, on 304, the kept body is reused. Nothing is ever
served without asking GitHub first (the plan must reflect live state); what is
saved is the primary rate limit, since GitHub does not count an authorized
request answered 304 ("Best practices for using the REST API": use conditional
requests if appropriate).

Layout: `<root>/github/<store>/<entry>.json`, where `<store>` hashes the API URL
with the credential's identity (the sha256 of a token, or an App id with its
installation id), so two tokens never share entries (one may see less than the
other) and no token is ever written. One JSON file per entry, written to a
temporary file and renamed into place, so threads and concurrent runs sharing
the directory only ever read whole entries; the last writer wins.

A cache that cannot be read or written (garbage, a truncated file, permission
denied, a file where the directory should be) costs one warning line per
connection and is otherwise ignored: the affected requests go uncached.

An entry that reads well but whose body is not what its endpoint returns (not
JSON, a list where a mapping is expected, an error body) is only noticed by
the caller, which knows the shape it expects (`reconciler.github.rest`): the
answer revived from it carries `REVIVED_HEADER`, and the caller asks again
with `RELOAD_HEADER`, which drops the entry (one warning, as above) and sends
the request unconditionally, so the fresh answer replaces it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reconciler.github.bounds import MAX_ANSWER_BYTES, refusal, too_deep
from reconciler.logs import get_logger

_log = get_logger("reconcile.github.cache")

FORMAT_VERSION = 1

# Internal headers between the caller and our HTTP adapter; never sent to GitHub.
REVIVED_HEADER = "X-Reconcile-Revived"
RELOAD_HEADER = "X-Reconcile-Reload"

# An ETag is sent back as it was kept: one line of visible ASCII (which RFC 9110
# also allows), or the HTTP library refuses the request with an error.
_ETAG = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
# A kept body is at most MAX_ANSWER_BYTES; JSON escapes may make it 6 times longer.
_MAX_ENTRY_BYTES = 6 * MAX_ANSWER_BYTES + 64 * 1024

# Headers worth replaying with a kept body; rate-limit and credential headers
# come fresh from the 304 itself.
_KEPT_HEADERS = frozenset(
    {
        "content-type",
        "etag",
        "last-modified",
        "link",
        "x-github-media-type",
        "x-github-api-version-selected",
    }
)


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/reconcile`, else `~/.cache/reconcile`."""
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_CACHE_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "reconcile"
    return Path.home() / ".cache" / "reconcile"


def resolve_cache_dir(
    option: str | os.PathLike[str] | None,
    *,
    disabled: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Path | None:
    """What `--cache-dir`/`--no-cache` mean: None disables the cache."""
    if disabled:
        return None
    if option is not None and str(option) != "":
        return Path(option).expanduser()
    return default_cache_dir(environ)


def token_identity(token: str) -> str:
    return "token:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def app_identity(app_id: int | str, installation_id: int) -> str:
    # An installation token changes every hour; what it may see does not.
    return f"app:{app_id}:installation:{installation_id}"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


class WrongShape(Exception):
    """A kept body that is not what its endpoint returns (a reason for the warning)."""


@dataclass(frozen=True)
class CachedAnswer:
    url: str
    accept: str
    etag: str
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)


class ConditionalCache:
    """One connection's store; safe to share between threads."""

    def __init__(self, root: Path, *, api_url: str, identity: str) -> None:
        self.root = root
        self.directory = root / "github" / _digest(api_url.rstrip("/"), identity)[:40]
        self._base_path = urlsplit(api_url).path.rstrip("/")
        self._lock = threading.Lock()
        self._warned = False
        self._writable = True

    def cacheable(self, method: str, url: str) -> bool:
        """GETs only; never the App endpoints (JWT-authenticated, token exchange)."""
        if method.upper() != "GET":
            return False
        path = urlsplit(url).path
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path) :]
        return not (
            path == "/app"
            or path.startswith("/app/")
            or path.endswith("/installation")
            or "/access_tokens" in path
        )

    def lookup(self, url: str, accept: str = "") -> CachedAnswer | None:
        """The kept answer for this URL, or None (absent or unusable)."""
        target = self._entry_path(url, accept)
        try:
            with target.open("rb") as handle:
                raw = handle.read(_MAX_ENTRY_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._warn(target, exc)
            return None
        try:
            entry = _decode(raw, url, accept)
        except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
            self._warn(target, exc)
            return None
        return entry

    def discard(self, url: str, accept: str = "") -> None:
        """Drop the entry for this request: its body was not what the endpoint returns."""
        target = self._entry_path(url, accept)
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            self._warn(target, exc)
            return
        self._warn(target, WrongShape("an entry's body is not what GitHub returns there"))

    def store(self, url: str, accept: str, headers: Mapping[str, str], body: bytes) -> bool:
        """Keep a 200 answer; False when it has no ETag or cannot be kept."""
        etag = _header(headers, "etag")
        if not etag or not _ETAG.fullmatch(etag) or not self._writable:
            return False
        if "no-store" in (_header(headers, "cache-control") or "").lower():
            return False
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        kept = {k.lower(): v for k, v in headers.items() if k.lower() in _KEPT_HEADERS}
        document = {
            "version": FORMAT_VERSION,
            "url": url,
            "accept": accept,
            "etag": etag,
            "headers": kept,
            "body": text,
        }
        target = self._entry_path(url, accept)
        try:
            _write_atomically(target, json.dumps(document).encode("utf-8"))
        except OSError as exc:
            # An unwritable directory stays unwritable: stop trying for this run.
            self._writable = False
            self._warn(target.parent, exc)
            return False
        return True

    def _entry_path(self, url: str, accept: str) -> Path:
        return self.directory / f"{_digest(url, accept)}.json"

    def _warn(self, where: Path, exc: BaseException) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        event = "GitHub response cache unusable, continuing without it where affected"
        if isinstance(exc, OSError) and exc.strerror:
            reason = exc.strerror
        elif isinstance(exc, WrongShape):
            event = "GitHub response cache entry dropped and fetched again from GitHub"
            reason = str(exc)
        else:
            reason = type(exc).__name__
        _log.warning(
            event,
            cache_dir=str(self.root),
            path=str(where),
            reason=reason,
        )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _decode(raw: bytes, url: str, accept: str) -> CachedAnswer:
    if len(raw) > _MAX_ENTRY_BYTES or too_deep(raw):
        raise ValueError("larger or more deeply nested than any entry we write")
    document: Any = json.loads(raw.decode("utf-8"))
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise ValueError("not a cache entry of this version")
    etag, headers, body = document["etag"], document["headers"], document["body"]
    if document["url"] != url or document["accept"] != accept:
        # A hash collision or a hand-edited file: not ours to serve.
        raise ValueError("entry is for another request")
    if not isinstance(etag, str) or not _ETAG.fullmatch(etag) or not isinstance(body, str):
        raise TypeError("malformed cache entry")
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise TypeError("malformed cache entry headers")
    kept = body.encode("utf-8")
    if refusal(kept) is not None:
        raise ValueError("a kept body larger or more deeply nested than any GitHub answer")
    return CachedAnswer(url, accept, etag, dict(headers), kept)


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkstemp creates the file 0600: the bodies are repository settings.
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
