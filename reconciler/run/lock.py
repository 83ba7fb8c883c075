"""One apply at a time per GitHub owner on this machine.

Two applies of the same configuration at once each read the same drift and
race each other's writes. The lock is an exclusive `flock` on a small file
under the cache folder, keyed by the GitHub API URL and owner; the kernel
drops it when the process ends in any way (kill -9 included), so it never
goes stale. A second apply is refused at once, naming the holder: waiting
for an unknown run to finish is worse than telling the operator.

Two spellings of one API must take one lock: the URL is keyed as written
after folding what means the same without asking DNS (scheme and host case,
a default port, trailing and doubled slashes, a host's trailing dot, IP
address notation). A host name and its address (`localhost`, `127.0.0.1`)
stay two keys: telling them apart needs DNS (docs/security.md).

The lock file is opened without following a symbolic link, and only a
regular file with no other name is written: a link planted at the lock path
would otherwise have apply truncate the file it points to.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import getpass
import hashlib
import ipaddress
import json
import os
import platform
import re
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from reconciler.errors import ReconcileError
from reconciler.github import DEFAULT_API_URL, default_cache_dir

_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_api_url(api_url: str) -> str:
    """The API URL as the lock keys it (see the module's docstring); no user or password."""
    text = api_url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text.rstrip("/").lower()  # refused with its own message when connecting
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    with contextlib.suppress(ValueError):
        host = ipaddress.ip_address(host).compressed
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = re.sub("/{2,}", "/", parts.path).rstrip("/")
    return f"{scheme}://{host}{path}".lower()


def lock_path(api_url: str, owner: str, environ: Mapping[str, str] | None = None) -> Path:
    """`<cache folder>/locks/apply-<hash of API URL and owner>.lock`."""
    key = f"{canonical_api_url(api_url)}\n{owner.lower()}".encode()
    digest = hashlib.sha256(key).hexdigest()[:16]
    return default_cache_dir(environ) / "locks" / f"apply-{digest}.lock"


def api_url_of(environ: Mapping[str, str]) -> str:
    return (environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")


def _holder(data: bytes) -> str:
    try:
        doc = json.loads(data)
        return (
            f"pid {doc['pid']} of {doc['user']} on {doc['host']}, started {doc['started']}, "
            f"config {doc['config']}"
        )
    except (ValueError, KeyError, TypeError):
        return "holder unknown"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def _open_lock(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ReconcileError(
                f"the apply lock {path} is a symbolic link; reconcile does not follow it "
                "(it would overwrite the file it points to); remove the link and run apply "
                "again. Nothing was read or written"
            ) from None
        raise ReconcileError(
            f"cannot create the apply lock {path}: {exc.strerror or exc}; "
            "set XDG_CACHE_HOME to a writable folder"
        ) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        what = (
            f"the apply lock {path} is not a regular file"
            if not stat.S_ISREG(info.st_mode)
            else f"the apply lock {path} has other hard links"
        )
        raise ReconcileError(
            f"{what}; reconcile writes only a file of its own there; "
            "remove it and run apply again. Nothing was read or written"
        )
    return fd


@contextmanager
def apply_lock(
    owner: str, *, config: Path, environ: Mapping[str, str] | None = None
) -> Iterator[Path]:
    env = os.environ if environ is None else environ
    api_url = canonical_api_url(api_url_of(env))
    path = lock_path(api_url, owner, env)
    fd = _open_lock(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(os.pread(fd, 4096, 0))
            raise ReconcileError(
                f"another reconcile apply for {owner} on {api_url} is running on this machine "
                f"({holder}); nothing was written; let it finish, then run apply again "
                f"(lock file {path})"
            ) from None
        info = {
            "pid": os.getpid(),
            "user": _user(),
            "host": platform.node(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "config": str(config.resolve()),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        try:
            yield path
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock
