"""One report from every deployment read: each judged against its declared environment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from reconciler.approvals.verdict import judge
from reconciler.errors import InvariantError
from reconciler.model.approvals import ApprovalsReport, ObservedDeployment, RunEvidence
from reconciler.model.desired import DesiredState
from reconciler.model.plan import Finding


def audit(
    desired: DesiredState,
    observed: Iterable[tuple[ObservedDeployment, RunEvidence | None]],
    *,
    since: datetime,
    findings: Iterable[Finding] = (),
) -> ApprovalsReport:
    """The report of `observed` (deployments to environments `desired` declares)."""
    audited = []
    for deployment, evidence in observed:
        repo = desired.repository(deployment.repository)
        env = repo.environment(deployment.environment) if repo is not None else None
        if env is None:
            raise InvariantError(
                f"deployment {deployment.id} of {deployment.repository} to "
                f"{deployment.environment!r} is not to a declared environment"
            )
        audited.append(judge(env, deployment, evidence))
    return ApprovalsReport.build(since, audited, findings)
