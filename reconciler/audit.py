"""The audit trail of apply: one JSON line per write, to the log and a file.

Lines carry who wrote what where and GitHub's request id, so a write can be
traced in GitHub's own audit log. They never carry a secret value: the
change's before/after are not included, only its identity.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from reconciler.logs import CONSOLE_OMIT, get_logger
from reconciler.plan import Change

_log = get_logger("reconcile.audit")


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


class AuditLog:
    """Appends and flushes each record, so a killed run leaves a true trail."""

    def __init__(self, actor: str, path: Path | None = None) -> None:
        self._actor = actor
        self._lock = threading.Lock()
        self._file: IO[str] | None = path.open("a", encoding="utf-8") if path else None
        self.records: list[AuditRecord] = []

    def record(
        self,
        change: Change,
        *,
        status: str,
        http_status: int | None = None,
        request_id: str | None = None,
        error: str | None = None,
    ) -> AuditRecord:
        rec = AuditRecord(
            time=datetime.now(UTC).isoformat(timespec="milliseconds"),
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
        )
        with self._lock:
            self.records.append(rec)
            if self._file is not None:
                self._file.write(json.dumps(rec.to_json(), sort_keys=True) + "\n")
                self._file.flush()
        fields = rec.to_json()
        del fields["time"]  # the log line has its own timestamp
        _log.log(_LEVELS[status], _event(change, status), **fields, **{CONSOLE_OMIT: _SAID})
        return rec

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
