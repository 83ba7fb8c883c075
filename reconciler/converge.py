"""Apply a plan's changes, then read GitHub again to verify nothing is left.

Shared by `reconcile apply` and `reconcile demo`; the confirmation, the saved
plan check and the printing stay with the callers.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.applier import Applier, ApplyReport
from reconciler.audit import AuditLog
from reconciler.aws import secret_reader
from reconciler.github import GitHubConnection, GitHubWriter, authenticated_actor
from reconciler.planner import PlanResult, make_plan
from reconciler.progress import Tracker, quiet
from reconciler.scope import EVERYTHING, Scope


def apply_and_verify(
    result: PlanResult,
    conn: GitHubConnection,
    *,
    scope: Scope = EVERYTHING,
    audit_log: Path | None = None,
    concurrency: int = 8,
    track: Tracker = quiet,
) -> ApplyReport:
    audit = AuditLog(authenticated_actor(conn), audit_log)
    try:
        applier = Applier(
            desired=result.desired,
            observed=result.observed,
            writer=GitHubWriter(conn),
            read_secret=secret_reader(result.desired),
            audit=audit,
            concurrency=concurrency,
            track=track,
        )
        report = applier.run(result.plan)
    finally:
        audit.close()
    report.remaining = make_plan(
        result.desired, conn, scope=scope, concurrency=concurrency, track=track
    ).plan
    return report
