"""The values of `reconcile approvals`: what GitHub recorded about each deployment,
and the verdict on it (docs/approvals.md).

The GitHub reader fills `ObservedDeployment` and `RunEvidence`; the pure
judgement in `reconciler.approvals` turns them into `AuditedDeployment`s; the
renderers show an `ApprovalsReport`. Its JSON form is a contract, pinned by
`tests/approvals/test_approvals_json_pin.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from reconciler.model.plan import Finding

APPROVALS_VERSION = 1


class Verdict(StrEnum):
    APPROVED = "approved"
    SELF_APPROVED = "self_approved"
    BYPASSED = "bypassed"
    UNAPPROVED = "unapproved"
    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


# What `--detailed-exitcode` answers with 2: the gate did not hold, or cannot be shown to have.
VIOLATIONS: frozenset[Verdict] = frozenset(
    {Verdict.SELF_APPROVED, Verdict.BYPASSED, Verdict.UNAPPROVED, Verdict.UNKNOWN}
)


def iso(moment: datetime) -> str:
    """UTC, to the second, with a Z: the form GitHub itself writes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Review:
    """One entry of a run's review history (`GET .../actions/runs/{id}/approvals`).

    `state` is GitHub's word as given: approved, rejected, pending, or skipped
    (an administrator's bypass, which GitHub's description does not list).
    `person`: False for an app or bot (a custom protection rule), whose
    approval is not a reviewer's.
    """

    state: str
    login: str
    person: bool
    environments: tuple[str, ...]

    def concerns(self, environment: str) -> bool:
        folded = environment.lower()
        return any(name.lower() == folded for name in self.environments)


@dataclass(frozen=True)
class ObservedRun:
    id: int
    actor: str | None  # who started the run
    triggering_actor: str | None  # who started its latest attempt (a re-run)
    status: str | None
    conclusion: str | None
    attempt: int
    html_url: str | None = None

    @property
    def starters(self) -> frozenset[str]:
        """Folded logins of everyone who started it: neither may be the second person."""
        return frozenset(p.lower() for p in (self.actor, self.triggering_actor) if p)


@dataclass(frozen=True)
class ObservedDeployment:
    id: int
    repository: str  # owner/name
    environment: str  # as GitHub spells it on the deployment
    created_at: datetime
    sha: str
    ref: str
    creator: str | None
    app: str | None  # slug of performed_via_github_app; "github-actions" for a job's
    states: tuple[str, ...]  # its statuses' states, newest first
    run_id: int | None  # the run its statuses link to, if they do


@dataclass(frozen=True)
class RunEvidence:
    """What could be learnt about the run behind one deployment; `problem` says
    why the run or its reviews are missing, in words for the report."""

    run: ObservedRun | None = None
    reviews: tuple[Review, ...] | None = None
    problem: str | None = None


@dataclass(frozen=True)
class AuditedDeployment:
    repository: str
    environment: str  # as the config names it
    deployment_id: int
    run_id: int | None
    created_at: datetime
    sha: str
    ref: str
    triggered_by: str | None
    approved_by: tuple[str, ...]
    skipped_by: tuple[str, ...]
    verdict: Verdict
    detail: str
    run_url: str | None = None  # for links in Markdown; not part of the JSON

    @property
    def violation(self) -> bool:
        return self.verdict in VIOLATIONS

    @property
    def sort_key(self) -> tuple[str, str, datetime, int]:
        return (
            self.repository.lower(),
            self.environment.lower(),
            self.created_at,
            self.deployment_id,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "environment": self.environment,
            "deployment_id": self.deployment_id,
            "run_id": self.run_id,
            "created_at": iso(self.created_at),
            "sha": self.sha,
            "ref": self.ref,
            "triggered_by": self.triggered_by,
            "approved_by": list(self.approved_by),
            "skipped_by": list(self.skipped_by),
            "verdict": self.verdict.value,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ApprovalsReport:
    since: datetime
    deployments: tuple[AuditedDeployment, ...]
    findings: tuple[Finding, ...] = ()

    @classmethod
    def build(
        cls, since: datetime, deployments: Iterable[AuditedDeployment], findings: Iterable[Finding]
    ) -> ApprovalsReport:
        return cls(
            since=since,
            deployments=tuple(sorted(deployments, key=lambda d: d.sort_key)),
            findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        )

    @property
    def violations(self) -> tuple[AuditedDeployment, ...]:
        return tuple(d for d in self.deployments if d.violation)

    def counts(self) -> dict[Verdict, int]:
        """Every verdict, in the enumeration's order, with how many deployments got it."""
        return {v: sum(1 for d in self.deployments if d.verdict is v) for v in Verdict}

    def to_json(self) -> dict[str, Any]:
        return {
            "version": APPROVALS_VERSION,
            "since": iso(self.since),
            "deployments": [d.to_json() for d in self.deployments],
            "findings": [f.to_json() for f in self.findings],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"
