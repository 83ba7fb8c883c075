"""The emulated record of jobs that ran: deployments, their statuses, workflow runs
and the runs' review histories. Kept on each `Repo`; written only by
`JobControls.record_job` (what GitHub Actions does when a job runs), read by
routes_deployments.py and routes_runs.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class DeploymentStatus:
    id: int
    state: str  # waiting, queued, in_progress, success, failure, error, ...
    created_at: datetime
    log_url: str  # "" when the status names no URL
    environment: str


@dataclass
class Deployment:
    id: int
    environment: str
    sha: str
    ref: str
    creator: str  # login: the person whose run made it, or the API caller
    created_at: datetime
    via_actions: bool  # performed_via_github_app is GitHub Actions
    statuses: list[DeploymentStatus] = field(default_factory=list)  # oldest first


@dataclass
class GateReview:
    """One entry of a run's review history; GitHub keeps no time for it."""

    state: str  # approved, rejected, pending, skipped
    login: str
    environment: str
    comment: str = ""


@dataclass
class WorkflowRun:
    id: int
    number: int
    workflow_id: int
    check_suite_id: int
    actor: str
    triggering_actor: str
    head_sha: str
    head_branch: str
    event: str
    status: str  # queued, in_progress, waiting, completed
    conclusion: str | None
    attempt: int
    created_at: datetime
    updated_at: datetime
    started_at: datetime
    reviews: list[GateReview] = field(default_factory=list)
    waiting_for: list[str] = field(default_factory=list)  # environments it waits on now
