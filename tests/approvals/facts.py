"""Builders of what the GitHub reader hands the verdict: one deployment, its run and reviews."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from reconciler.model.approvals import ObservedDeployment, ObservedRun, Review, RunEvidence
from reconciler.model.desired import DesiredEnvironment, DesiredRepository, DesiredState

OWNER = "Alpha-Swarm-ai"
REPO = f"{OWNER}/alphaswarm_platform"
AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
SHA = "0123456789abcdef0123456789abcdef01234567"


def environment(
    name: str, approvals: int, *, prevent_self_review: bool | None = None
) -> DesiredEnvironment:
    return DesiredEnvironment(
        name=name,
        required_approvals=approvals,
        reviewers=(),
        prevent_self_review=approvals == 2 if prevent_self_review is None else prevent_self_review,
        wait_timer=0,
        branch_patterns=None,
    )


DEV, STAGING, PROD = environment("dev", 0), environment("staging", 1), environment("prod", 2)


def desired(*envs: DesiredEnvironment) -> DesiredState:
    repo = DesiredRepository(OWNER, "alphaswarm_platform", envs or (DEV, STAGING, PROD))
    return DesiredState(owner=OWNER, repositories=(repo,))


def deployment(
    env: str = "prod",
    *,
    id: int = 501,
    states: tuple[str, ...] = ("success", "in_progress", "queued", "waiting"),
    run_id: int | None = 9001,
    creator: str = "carol",
    at: datetime = AT,
) -> ObservedDeployment:
    return ObservedDeployment(
        id=id,
        repository=REPO,
        environment=env,
        created_at=at,
        sha=SHA,
        ref="main",
        creator=creator,
        app="github-actions",
        states=states,
        run_id=run_id,
    )


def run(
    actor: str = "carol",
    rerun_by: str | None = None,
    *,
    status: str = "completed",
    conclusion: str | None = "success",
) -> ObservedRun:
    return ObservedRun(
        id=9001,
        actor=actor,
        triggering_actor=rerun_by or actor,
        status=status,
        conclusion=conclusion,
        attempt=2 if rerun_by else 1,
        html_url=f"https://github.com/{REPO}/actions/runs/9001",
    )


def review(state: str, login: str, env: str = "prod", *, person: bool = True) -> Review:
    return Review(state=state, login=login, person=person, environments=(env,))


def evidence(*reviews: Review, of: ObservedRun | None = None) -> RunEvidence:
    return RunEvidence(run=of or run(), reviews=tuple(reviews))


__all__ = ["replace"]
