"""Apply a plan's changes, then read GitHub again to verify nothing is left.

Shared by `reconcile apply` and `reconcile demo`; the confirmation, the saved
plan check and the printing stay with the callers. The two steps are apart so
that `reconcile apply` can tell a stop signal during the writes from one
during the verification read, and so that a failed verification read never
costs the report of the writes.

The verification reads again only what apply wrote (or tried to write): per
repository its environment list when an environment was written, and the
variable, secret and branch-policy lists it wrote to. Everything else, and
the reviewers, their access, the plan tier, AWS and the subject templates,
is what the plan read a moment before: apply changed none of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from reconciler.aws import secret_reader
from reconciler.diff import diff
from reconciler.errors import ReconcileError
from reconciler.github import (
    GitHubConnection,
    GitHubWriter,
    Rereads,
    authenticated_actor,
    reread_repository,
)
from reconciler.model.plan import Change, Plan, Resource
from reconciler.model.progress import Tracker, quiet
from reconciler.run.applier import Applier, ApplyReport
from reconciler.run.audit import AuditLog
from reconciler.run.interrupts import StopSwitch
from reconciler.run.planning import PlanResult
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
    # Every write request of the run, retries and a refreshed App token included,
    # asks the stop switch at the moment it is sent.
    with conn.pacer.gated(applier.gate):
        return applier.run(result.plan)


def verify(
    report: ApplyReport,
    result: PlanResult,
    conn: GitHubConnection,
    *,
    scope: Scope = EVERYTHING,
    concurrency: int = 8,
) -> ApplyReport:
    """Read again what apply wrote and re-plan (`replan`); a failed read is kept in
    the report, not raised."""
    written = [*report.applied, *(change for change, _ in report.failed)]
    try:
        report.remaining = replan(result, written, conn, scope=scope, concurrency=concurrency)
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


def rereads(written: Iterable[Change]) -> dict[str, Rereads]:
    """By folded repository: the parts of it the changes wrote."""
    lists: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for change in written:
        parts = lists[change.repository.lower()]
        env = (change.environment or "").lower()
        match change.resource:
            case Resource.ENVIRONMENT:
                parts["environments"].add(change.name.lower())
            case Resource.BRANCH_POLICY:
                parts["branch_policies"].add(env)
            case Resource.VARIABLE | Resource.REPOSITORY_VARIABLE:
                parts["variables"].add(env)
            case Resource.SECRET | Resource.REPOSITORY_SECRET:
                parts["secrets"].add(env)
    return {
        repo: Rereads(
            environments=bool(parts["environments"]),
            variables=frozenset(parts["variables"]),
            secrets=frozenset(parts["secrets"]),
            branch_policies=frozenset(parts["branch_policies"]),
        )
        for repo, parts in lists.items()
    }


def replan(
    result: PlanResult,
    written: Iterable[Change],
    conn: GitHubConnection,
    *,
    scope: Scope = EVERYTHING,
    concurrency: int = 8,
) -> Plan:
    """The plan after apply: the diff of the plan's observation with what apply wrote read again.

    The findings the plan added after its diff (plan tier, reviewer access, the
    dispatch check) are about things apply does not change; they are kept.
    """
    before = result.observed
    parts = {repo: p for repo, p in rereads(written).items() if before.repository(repo)}
    repositories = dict(before.repositories)
    if parts:
        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(parts)))) as pool:
            fresh = pool.map(
                lambda item: reread_repository(conn, repositories[item[0]], item[1]),
                parts.items(),
            )
            for repo in fresh:
                repositories[repo.full_name.lower()] = repo
    after = replace(before, repositories=repositories)
    diffed = diff(result.desired, before).findings
    added = [f for f in result.plan.findings if f not in diffed]
    return scope.restrict(diff(result.desired, after).with_findings(added))
