"""One `reconcile approvals` run: read the deployments since a time, judge each.

Read-only, like a plan: the GitHub reader sends only GETs. The filters narrow
the desired state before anything is read, so `--env prod` reads no run of a
staging deployment.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from reconciler.approvals import audit
from reconciler.github import GitHubConnection
from reconciler.github.deployments import observe_deployments
from reconciler.model.approvals import ApprovalsReport
from reconciler.model.desired import DesiredState
from reconciler.model.progress import Tracker, quiet
from reconciler.run.scope import EVERYTHING, Scope


def in_scope(desired: DesiredState, scope: Scope) -> DesiredState:
    """The repositories and environments the filters leave (an unknown name is an error)."""
    narrowed = scope.narrow(desired)
    repositories = tuple(
        replace(
            repo,
            environments=tuple(
                e for e in repo.environments if scope.covers(repo.full_name, e.name)
            ),
        )
        for repo in narrowed.repositories
    )
    return replace(narrowed, repositories=repositories)


def least_requests(desired: DesiredState) -> int:
    """What any audit costs at least: one deployment listing per repository (the
    rest depends on how many deployments there were, which only GitHub knows)."""
    return len(desired.repositories)


def audit_approvals(
    desired: DesiredState,
    conn: GitHubConnection,
    *,
    since: datetime,
    scope: Scope = EVERYTHING,
    concurrency: int = 8,
    track: Tracker = quiet,
) -> ApprovalsReport:
    targets = in_scope(desired, scope)
    observed = observe_deployments(conn, targets, since, concurrency=concurrency, track=track)
    return audit(targets, observed.deployments, since=since, findings=observed.findings)
