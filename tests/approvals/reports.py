"""One report with a deployment of every verdict and a finding: what the JSON pin,
the renderers' tests and docs/approvals.md show."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from reconciler.approvals import audit
from reconciler.model.approvals import ApprovalsReport, ObservedDeployment, RunEvidence
from reconciler.model.findings import Code
from reconciler.model.plan import Finding, Severity

from .facts import AT, REPO, deployment, desired, evidence, review, run

SINCE = datetime(2026, 2, 28, 16, 17, tzinfo=UTC)
RAN = ("success", "in_progress", "queued")


def every_verdict() -> ApprovalsReport:
    def at(minutes: int) -> datetime:
        return AT + timedelta(minutes=minutes)

    observed: list[tuple[ObservedDeployment, RunEvidence | None]] = [
        (deployment(id=601, at=at(1)), evidence(review("approved", "platform-approvers-alice"))),
        (deployment(id=602, at=at(2)), evidence(review("approved", "carol"))),
        (deployment(id=603, at=at(3)), evidence(review("skipped", "sandbox-admin"))),
        (deployment(id=604, at=at(4), states=RAN), evidence()),
        (deployment("dev", id=605, at=at(5), states=RAN), None),
        (
            deployment(id=606, at=at(6), states=("waiting",)),
            evidence(of=run(status="waiting", conclusion=None)),
        ),
        (
            deployment("staging", id=607, at=at(7), states=("failure", "waiting")),
            evidence(
                review("rejected", "platform-approvers-bob", "staging"),
                of=run(conclusion="failure"),
            ),
        ),
        (
            deployment(id=608, at=at(8), run_id=9002),
            RunEvidence(
                problem="run 9002 not found (404: Not Found): it was deleted, or is older than "
                "GitHub keeps"
            ),
        ),
        (
            deployment(id=609, at=at(9)),
            evidence(review("approved", "platform-approvers-bob"), of=run("carol", "dan")),
        ),
        (
            deployment(id=610, at=at(10), run_id=None),
            RunEvidence(
                problem="its statuses name no run and no run of 0123456789ab started by carol "
                "was under way when it was created"
            ),
        ),
        (
            replace(deployment(id=611, at=at(11), run_id=None), app=None, states=("success",)),
            RunEvidence(
                problem="created by carol through the API, not by a GitHub Actions job: no "
                "review gate applies to it"
            ),
        ),
    ]
    finding = Finding(
        Severity.WARNING,
        Code.RUN_SEARCH_CAPPED,
        "the search for the run of deployment 610 (0123456789ab) reached GitHub's 1,000-result "
        "limit: the run that made it may be among the runs left out",
        repository=REPO,
        environment="prod",
    )
    return audit(desired(), observed, since=SINCE, findings=[finding])
