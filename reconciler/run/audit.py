"""The audit trail of apply: one JSON line per write, to the log and a file.

Lines carry who wrote what where and GitHub's request id, so a write can be
traced in GitHub's own audit log. They never carry a secret value: the
change's before/after are not included, only its identity.

The file comes first: it is opened, and a `start` record written to it and
synced, before apply asks or writes anything, so a file that opens but cannot
take a line (a full disk, /dev/full, a FIFO nobody reads) refuses the run.
Each line is written with one `write` and synced to disk before the next
write is sent (`reconciler.run.gate`). A line that cannot be written raises
`AuditWriteError`, and the applier then sends no further write: a write
without a record is the one thing the trail must not allow.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import stat
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.errors import ReconcileError
from reconciler.logs import CONSOLE_OMIT, get_logger
from reconciler.model.plan import Change

_log = get_logger("reconcile.audit")

# fsync on a terminal, pipe or /dev/null: nothing to sync, not a failure.
_UNSYNCABLE = {errno.EINVAL, errno.EROFS, errno.ENOTSUP, errno.EBADF}


class AuditWriteError(ReconcileError):
    """A record could not be written; the message names the write it was for."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class AuditRecord:
    time: str
    actor: str
    repository: str
    environment: str | None
    resource: str
    name: str
    action: str
    status: str  # "ok", "failed" or "skipped"
    http_status: int | None
    request_id: str | None
    error: str | None = None
    note: str | None = None  # what happened beyond the status, e.g. "already existed (409)"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


_DONE = {"create": "created", "update": "updated", "delete": "deleted"}
_LEVELS = {"ok": logging.INFO, "skipped": logging.WARNING, "failed": logging.ERROR}
# What a console line leaves to the message (or shows on every line alike).
_SAID = ("action", "resource", "name", "repository", "environment", "status", "actor", "request_id")


def _event(change: Change, status: str) -> str:
    """`created variable X in repo/env`: what happened, short enough for one console line."""
    where = change.repository.rsplit("/", 1)[-1]
    if change.environment is not None:
        where += f"/{change.environment}"
    what = f"{change.resource.value} {change.name} in {where}"
    action = change.action.value
    if status == "ok":
        return f"{_DONE[action]} {what}"
    if status == "failed":
        return f"failed to {action} {what}"
    return f"skipped {action} of {what}"


def _why(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENXIO and stat.S_ISFIFO(_mode(path)):
        return "it is a FIFO that no process is reading"
    return exc.strerror or type(exc).__name__


def _mode(path: Path) -> int:
    try:
        return os.stat(path).st_mode
    except OSError:
        return 0


class AuditFile:
    """The `--audit-log` file, opened for appending; `open` is the early check."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd
        self._regular = stat.S_ISREG(os.fstat(fd).st_mode)

    @classmethod
    def open(cls, path: Path, **start: Any) -> AuditFile:
        """Open for appending and write the run's `start` record (with `start`'s fields)."""
        try:
            # Not blocking while opening: a FIFO that no process reads would hang here.
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK
            fd = os.open(path, flags, 0o666)
        except OSError as exc:
            raise ReconcileError(
                f"cannot open the audit log {path}: {_why(path, exc)}; nothing was read or written"
            ) from None
        os.set_blocking(fd, True)
        sink = cls(path, fd)
        doc = {"time": _now(), "status": "start", "pid": os.getpid(), **start}
        try:
            sink.append((json.dumps(doc, sort_keys=True) + "\n").encode("utf-8"))
        except OSError as exc:
            sink.close()
            raise ReconcileError(
                f"cannot write to the audit log {path}: {_why(path, exc)}; "
                "nothing was read or written"
            ) from None
        return sink

    def append(self, line: bytes) -> None:
        """One whole line, synced; on failure the file is cut back to where it was."""
        fd = self._fd
        if fd is None:
            raise OSError(errno.EBADF, "the audit log is closed")
        size = os.fstat(fd).st_size if self._regular else 0
        try:
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            try:
                os.fsync(fd)
            except OSError as exc:
                if exc.errno not in _UNSYNCABLE:
                    raise
        except OSError:
            if self._regular:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)  # never leave half a line behind
            raise

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


class AuditLog:
    """Appends, flushes and syncs each record, so a killed run leaves a true trail."""

    def __init__(self, actor: str, sink: AuditFile | None = None) -> None:
        self._actor = actor
        # Reentrant: the signal handler (main thread) may write a run record.
        self._lock = threading.RLock()
        self._sink = sink
        self.records: list[AuditRecord] = []

    def record(
        self,
        change: Change,
        *,
        status: str,
        http_status: int | None = None,
        request_id: str | None = None,
        error: str | None = None,
        note: str | None = None,
    ) -> AuditRecord:
        rec = AuditRecord(
            time=_now(),
            actor=self._actor,
            repository=change.repository,
            environment=change.environment,
            resource=change.resource.value,
            name=change.name,
            action=change.action.value,
            status=status,
            http_status=http_status,
            request_id=request_id,
            error=error,
            note=note,
        )
        with self._lock:
            self.records.append(rec)
            try:
                self._append(rec.to_json())
            except OSError as exc:
                raise AuditWriteError(
                    f"the audit log {self._where()} could not record the write {change.id} "
                    f"(status {status}): {exc.strerror or exc}"
                ) from None
        fields = rec.to_json()
        del fields["time"]  # the log line has its own timestamp
        level = _LEVELS.get(status, logging.WARNING)
        _log.log(level, _event(change, status), **fields, **{CONSOLE_OMIT: _SAID})
        return rec

    def event(self, status: str, **fields: Any) -> bool:
        """A record about the run itself (e.g. `interrupted`); False if it could not be kept."""
        doc = {"time": _now(), "actor": self._actor, "status": status, **fields}
        with self._lock:
            try:
                self._append(doc)
            except OSError:
                return False
        _log.warning(status, **fields)
        return True

    def abort(self, status: str, *, timeout: float = 2.0, **fields: Any) -> None:
        """Last record before the process exits at once; the file is closed and the lock
        kept, so no worker can start a line the exit would cut."""
        if not self._lock.acquire(timeout=timeout):
            return
        with contextlib.suppress(OSError):
            self._append({"time": _now(), "actor": self._actor, "status": status, **fields})
        self.close()

    def _append(self, doc: dict[str, Any]) -> None:
        if self._sink is not None:
            self._sink.append((json.dumps(doc, sort_keys=True) + "\n").encode("utf-8"))

    def _where(self) -> str:
        return str(self._sink.path) if self._sink is not None else "(none)"

    def close(self) -> None:
        with self._lock:
            if self._sink is not None:
                self._sink.close()
                self._sink = None
