"""Apply a plan's changes, then read GitHub again to verify nothing is left.

Shared by `reconcile apply` and `reconcile demo`; the confirmation, the saved
plan check and the printing stay with the callers. The two steps are apart so
that `reconcile apply` can tell a stop signal during the writes from one
during the verification read, and so that a failed verification read never
costs the report of the writes.

The verification reads again only what apply wrote (or tried to write): per
repository its environment list when an environment was written, and the
variable, secret and branch-policy lists it wrote to. Everything else, and
the reviewers, their access, the GitHub plan, AWS and the subject templates,
is what the plan read a moment before: apply changed none of it.

GitHub's reads can lag its writes (a variable just created may answer 404 for
a moment; docs/emulator-fidelity.md). So a change apply made that the
verification still shows is read again a few times, after pauses that double
and add up to `wait` seconds (`reconcile apply --verify-wait`, default 2),
before it is reported as left.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from reconciler.aws import AwsSessions, secret_reader
from reconciler.diff import diff
from reconciler.errors import ReconcileError
from reconciler.github import (
    GitHubConnection,
    GitHubWriter,
    Rereads,
    authenticated_actor,
    reread_repository,
)
from reconciler.logs import get_logger
from reconciler.model.observed import ObservedRepository
from reconciler.model.plan import Change, Plan, Resource
from reconciler.model.progress import Tracker, quiet
from reconciler.run.applier import Applier, ApplyReport
from reconciler.run.audit import AuditLog
from reconciler.run.interrupts import StopSwitch
from reconciler.run.planning import PlanResult
from reconciler.run.scope import EVERYTHING, Scope

_log = get_logger("reconcile.apply")

VERIFY_WAIT = 2.0  # seconds, the default of `reconcile apply --verify-wait`
_REREADS = 3


def reread_pauses(wait: float) -> list[float]:
    """The pause before each re-read of what GitHub does not show yet: doubling, `wait` in all."""
    parts = 2**_REREADS - 1
    return [wait * 2**i / parts for i in range(_REREADS)]


def apply_plan(
    result: PlanResult,
    conn: GitHubConnection,
    *,
    audit: AuditLog | None = None,
    concurrency: int = 8,
    stop: StopSwitch | None = None,
    track: Tracker = quiet,
    aws_sessions: AwsSessions | None = None,
) -> ApplyReport:
    """Carry out the plan's changes; `audit` without a file when not given.
    `aws_sessions`: the plan's, so the secret reads assume no role again."""
    applier = Applier(
        observed=result.observed,
        writer=GitHubWriter(conn),
        read_secret=secret_reader(result.desired, sessions=aws_sessions),
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
    wait: float = VERIFY_WAIT,
) -> ApplyReport:
    """Read again what apply wrote and re-plan (`replan`); a failed read is kept in
    the report, not raised."""
    written = [*report.applied, *(change for change, _ in report.failed)]
    try:
        report.remaining = replan(
            result,
            written,
            conn,
            scope=scope,
            concurrency=concurrency,
            applied=report.applied,
            wait=wait,
        )
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
    applied: Iterable[Change] = (),
    wait: float = VERIFY_WAIT,
) -> Plan:
    """The plan after apply: the diff of the plan's observation with what apply wrote read again.

    A change in `applied` that the diff still shows is read again (see the module's
    docstring). The findings the plan added after its diff (GitHub plan, reviewer
    access, the dispatch check) are about things apply does not change; they are kept.
    """
    before = result.observed
    diffed = diff(result.desired, before).findings
    added = [f for f in result.plan.findings if f not in diffed]
    repositories = dict(before.repositories)

    def after() -> Plan:
        observed = replace(before, repositories=repositories)
        return scope.restrict(diff(result.desired, observed).with_findings(added))

    _reread(conn, repositories, written, concurrency)
    plan = after()
    done = {change.id for change in applied}
    for pause in reread_pauses(wait):
        lagging = [change for change in plan.changes if change.id in done]
        if not lagging:
            break
        _log.info(
            "GitHub does not show yet what apply wrote; reading it again",
            changes=len(lagging),
            after_seconds=round(pause, 2),
        )
        time.sleep(pause)
        _reread(conn, repositories, lagging, concurrency)
        plan = after()
    return plan


def _reread(
    conn: GitHubConnection,
    repositories: dict[str, ObservedRepository],
    changes: Iterable[Change],
    concurrency: int,
) -> None:
    """Read again, into `repositories`, the parts of them `changes` wrote."""
    parts = {repo: p for repo, p in rereads(changes).items() if repo in repositories}
    if not parts:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(parts)))) as pool:
        fresh = pool.map(
            lambda item: reread_repository(conn, repositories[item[0]], item[1]),
            parts.items(),
        )
        for repo in fresh:
            repositories[repo.full_name.lower()] = repo
