"""Telling the emulator that a deployment job ran: what GitHub Actions records.

`record_job` leaves what a job that names an environment leaves on GitHub
(docs/emulator-fidelity.md, "Deployments, runs and their reviews"): a
deployment made through the GitHub Actions app whose creator is the person
who started the run, its statuses (`waiting` while a reviewer is needed,
then `queued`, `in_progress`, `success`; newest first when listed) whose
`log_url` names the job, the workflow run, and the run's review entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from reconciler.sandbox.github.actions_state import (
    Deployment,
    DeploymentStatus,
    GateReview,
    WorkflowRun,
)
from reconciler.sandbox.github.payloads_runs import ACTIONS_BOT
from reconciler.sandbox.github.state import Account, Repo, World

Outcome = Literal["ran", "waiting", "cancelled"]
# What a status's log_url says: the job's page with its run (`job`), the older
# check-run page without it (`check_run`), or nothing (`none`).
Link = Literal["job", "check_run", "none"]


@dataclass(frozen=True)
class RecordedJob:
    deployment_id: int
    run_id: int | None  # None for a deployment made through the API
    job_id: int


def _sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


class JobControls:
    _world: World

    def now(self) -> datetime:
        """The emulator's clock (with `advance_clock`), which stamps what it records."""
        return self._world.now()

    def _person(self, login: str) -> None:
        if self._world.account(login) is None:
            kind = "Bot" if login.endswith("[bot]") else "User"
            self._world.accounts[login.lower()] = Account(
                self._world.new_id(), login, kind, self._world.now()
            )

    def record_job(
        self,
        owner: str,
        repo: str,
        environment: str,
        *,
        actor: str,
        reviews: Sequence[tuple[str, str]] = (),
        rerun_by: str | None = None,
        outcome: Outcome = "ran",
        at: datetime | None = None,
        sha: str | None = None,
        ref: str = "main",
        run_id: int | None = None,
        link: Link = "job",
        via_actions: bool = True,
    ) -> RecordedJob:
        """A deployment job to `environment` ran (or waits, or was cancelled).

        `reviews`: (state, login) entries of the run's review history for this
        environment, in order: approved, rejected, skipped (an administrator's
        bypass) or pending. The job is released when one is approved or
        skipped, never runs when one is rejected, and otherwise runs as
        `outcome` says: `ran` (no review needed: the gate was off), `waiting`
        (for a reviewer, now) or `cancelled` (while it waited). `rerun_by`:
        someone else started the run's second attempt. `run_id`: a job of a
        run already recorded (a run that deploys to several environments).
        `via_actions=False`: a deployment made through the API by `actor`, with
        no run at all.
        """
        with self._world.lock:
            target = self._world.require_repo(owner, repo)
            when = (at or self._world.now()).replace(microsecond=0)
            for login in {actor, rerun_by or actor, ACTIONS_BOT, *(who for _, who in reviews)}:
                self._person(login)
            if not via_actions:
                return self._api_deployment(
                    target, environment, actor=actor, when=when, sha=sha, ref=ref
                )
            run = self._run(
                target, run_id, actor=actor, rerun_by=rerun_by, when=when, sha=sha, ref=ref
            )
            job_id = self._world.new_id()
            for state, login in reviews:
                run.reviews.append(GateReview(state, login, environment))
            states = _states(target, environment, [s for s, _ in reviews], outcome)
            url = _log_url(target, run.id, job_id, link)
            deployment = Deployment(
                self._world.new_id(), environment, run.head_sha, run.head_branch,
                run.triggering_actor, when, via_actions=True,
            )  # fmt: skip
            for i, state in enumerate(states):
                deployment.statuses.append(
                    DeploymentStatus(
                        self._world.new_id(), state, when + timedelta(seconds=i), url, environment
                    )
                )
            target.deployments[deployment.id] = deployment
            _settle(run, environment, states, when + timedelta(seconds=len(states) + 60))
            return RecordedJob(deployment.id, run.id, job_id)

    def _run(
        self,
        repo: Repo,
        run_id: int | None,
        *,
        actor: str,
        rerun_by: str | None,
        when: datetime,
        sha: str | None,
        ref: str,
    ) -> WorkflowRun:
        if run_id is not None:
            return repo.runs[run_id]
        new_id = self._world.new_id()
        created = when - timedelta(minutes=1)
        run = WorkflowRun(
            id=new_id,
            number=len(repo.runs) + 1,
            workflow_id=_workflow_id(repo),
            check_suite_id=self._world.new_id(),
            actor=actor,
            triggering_actor=rerun_by or actor,
            head_sha=sha or _sha(repo.full_name, new_id),
            head_branch=ref,
            event="push",
            status="queued",
            conclusion=None,
            attempt=2 if rerun_by else 1,
            created_at=created,
            updated_at=when,
            started_at=when - timedelta(seconds=30) if rerun_by else created,
        )
        repo.runs[run.id] = run
        return run

    def _api_deployment(
        self, repo: Repo, environment: str, *, actor: str, when: datetime, sha: str | None, ref: str
    ) -> RecordedJob:
        deployment = Deployment(
            self._world.new_id(), environment, sha or _sha(repo.full_name, when), ref, actor, when,
            via_actions=False,
        )  # fmt: skip
        deployment.statuses.append(
            DeploymentStatus(self._world.new_id(), "success", when, "", environment)
        )
        repo.deployments[deployment.id] = deployment
        return RecordedJob(deployment.id, None, 0)

    def delete_run(self, owner: str, repo: str, run_id: int) -> None:
        """What `DELETE .../actions/runs/{run_id}` or the retention period does: the
        run and its reviews are gone, its deployments stay."""
        with self._world.lock:
            self._world.require_repo(owner, repo).runs.pop(run_id, None)


def _workflow_id(repo: Repo) -> int:
    return int(_sha(repo.full_name, "deploy.yml")[:6], 16)


def _states(repo: Repo, environment: str, reviews: list[str], outcome: Outcome) -> list[str]:
    """The deployment's statuses, oldest first."""
    env = repo.environments.get(environment.lower())
    gated = bool(reviews) or (env is not None and bool(env.reviewers)) or outcome != "ran"
    states = ["waiting"] if gated else []
    if "approved" in reviews or "skipped" in reviews:
        return [*states, "queued", "in_progress", "success"]
    if "rejected" in reviews:
        return [*states, "failure"]
    if outcome == "waiting":
        return states
    if outcome == "cancelled":
        return [*states, "error"]
    return [*states, "queued", "in_progress", "success"]


def _log_url(repo: Repo, run_id: int, job_id: int, link: Link) -> str:
    if link == "job":
        return f"https://github.com/{repo.full_name}/actions/runs/{run_id}/job/{job_id}"
    if link == "check_run":
        return f"https://github.com/{repo.full_name}/runs/{job_id}?check_suite_focus=true"
    return ""


def _settle(run: WorkflowRun, environment: str, states: list[str], done: datetime) -> None:
    """The run's status after this job: waiting on it, or finished as it finished."""
    run.updated_at = max(run.updated_at, done)
    if states[-1] == "waiting":
        run.status, run.conclusion = "waiting", None
        if environment not in run.waiting_for:
            run.waiting_for.append(environment)
        return
    if environment in run.waiting_for:
        run.waiting_for.remove(environment)
    if run.waiting_for:
        return
    conclusion = {"success": "success", "failure": "failure", "error": "cancelled"}[states[-1]]
    run.status, run.conclusion = "completed", conclusion
