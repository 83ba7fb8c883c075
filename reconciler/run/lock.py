"""One apply at a time per GitHub owner on this machine.

Two applies of the same configuration at once each read the same drift and
race each other's writes. The lock is an exclusive `flock` on a small file
under the cache folder, keyed by the GitHub API URL and owner; the kernel
drops it when the process ends in any way (kill -9 included), so it never
goes stale. A second apply is refused at once, naming the holder: waiting
for an unknown run to finish is worse than telling the operator.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import hashlib
import json
import os
import platform
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from reconciler.errors import ReconcileError
from reconciler.github import DEFAULT_API_URL, default_cache_dir


def lock_path(api_url: str, owner: str, environ: Mapping[str, str] | None = None) -> Path:
    """`<cache folder>/locks/apply-<hash of API URL and owner>.lock`."""
    key = f"{api_url.rstrip('/').lower()}\n{owner.lower()}".encode()
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


@contextmanager
def apply_lock(
    owner: str, *, config: Path, environ: Mapping[str, str] | None = None
) -> Iterator[Path]:
    env = os.environ if environ is None else environ
    api_url = api_url_of(env)
    path = lock_path(api_url, owner, env)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise ReconcileError(
            f"cannot create the apply lock {path}: {exc.strerror or exc}; "
            "set XDG_CACHE_HOME to a writable folder"
        ) from None
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
