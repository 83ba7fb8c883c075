"""Apply a plan's changes, then read GitHub again to verify nothing is left.

Shared by `reconcile apply` and `reconcile demo`; the confirmation, the saved
plan check and the printing stay with the callers. The two steps are apart so
that `reconcile apply` can tell a stop signal during the writes from one
during the verification read, and so that a failed verification read never
costs the report of the writes.
"""

from __future__ import annotations

from reconciler.aws import secret_reader
from reconciler.errors import ReconcileError
from reconciler.github import GitHubConnection, GitHubWriter, authenticated_actor
from reconciler.model.progress import Tracker, quiet
from reconciler.run.applier import Applier, ApplyReport
from reconciler.run.audit import AuditLog
from reconciler.run.interrupts import StopSwitch
from reconciler.run.planning import PlanResult, make_plan
from reconciler.run.scope import EVERYTHING, Scope


def apply_plan(
    result: PlanResult,
    conn: GitHubConnection,
    *,
    audit: AuditLog | None = None,
    concurrency: int = 8,
    stop: StopSwitch | None = None,
    track: Tracker = quiet,
) -> ApplyReport:
    """Carry out the plan's changes; `audit` without a file when not given."""
    applier = Applier(
        desired=result.desired,
        observed=result.observed,
        writer=GitHubWriter(conn),
        read_secret=secret_reader(result.desired),
        audit=audit if audit is not None else AuditLog(authenticated_actor(conn)),
        concurrency=concurrency,
        stop=stop,
        track=track,
    )
    return applier.run(result.plan)


def verify(
    report: ApplyReport,
    result: PlanResult,
    conn: GitHubConnection,
    *,
    scope: Scope = EVERYTHING,
    concurrency: int = 8,
    track: Tracker = quiet,
) -> ApplyReport:
    """Re-plan against live state; a failed read is kept in the report, not raised."""
    try:
        report.remaining = make_plan(
            result.desired, conn, scope=scope, concurrency=concurrency, track=track
        ).plan
    except ReconcileError as exc:
        report.verify_error = str(exc)
    return report


def apply_and_verify(
    result: PlanResult,
    conn: GitHubConnection,
    *,
    scope: Scope = EVERYTHING,
    concurrency: int = 8,
) -> ApplyReport:
    report = apply_plan(result, conn, concurrency=concurrency)
    if report.stopped is None:
        verify(report, result, conn, scope=scope, concurrency=concurrency)
    return report
