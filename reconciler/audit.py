"""The audit trail of apply: one JSON line per write, to the log and a file.

Lines carry who wrote what where and GitHub's request id, so a write can be
traced in GitHub's own audit log. They never carry a secret value: the
change's before/after are not included, only its identity.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from reconciler.logs import get_logger
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
        _log.info("write", **rec.to_json())
        return rec

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
