"""The verdict on one deployment: did the gate hold as environments.yaml declares?

Pure: what GitHub recorded comes in (the deployment, its run, the run's review
history), one `AuditedDeployment` goes out. The rules, in order
(docs/approvals.md, "Verdicts"):

1. The environment declares no approvals: `not_required`.
2. The run or its reviews could not be read: `unknown`, saying why.
3. A review record of state `skipped` (an administrator's bypass): `bypassed`.
4. People approved: `approved`, unless the file forbids self-review (4-eyes,
   or `prevent_self_review`) and every approver started the run (its actor or
   the triggering actor of a re-run): `self_approved`.
5. The job waits for a review now: `pending`.
6. It was released to run (a `queued`, `in_progress` or `success` status)
   with no approval: `unapproved`.
7. It never ran: `rejected` (refused by a reviewer, or cancelled or timed
   out while it waited).

An approval by an app or bot is not a reviewer's approval: it never makes a
deployment `approved`, and the detail names it.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.model.approvals import (
    AuditedDeployment,
    ObservedDeployment,
    ObservedRun,
    Review,
    RunEvidence,
    Verdict,
)
from reconciler.model.desired import DesiredEnvironment

# Deployment status states that mean the gate let the job through.
RELEASED = frozenset({"queued", "in_progress", "success"})


def _names(reviews: Sequence[Review]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for review in reviews:
        seen.setdefault(review.login.lower(), review.login)
    return tuple(seen.values())


def _listing(logins: Sequence[str]) -> str:
    return ", ".join(logins)


def _started(run: ObservedRun) -> str:
    if run.triggering_actor and run.actor and run.triggering_actor.lower() != run.actor.lower():
        return f"started by {run.actor}, re-run by {run.triggering_actor}"
    return f"started by {run.triggering_actor or run.actor or 'an unknown account'}"


def judge(
    env: DesiredEnvironment, deployment: ObservedDeployment, evidence: RunEvidence | None
) -> AuditedDeployment:
    """The verdict on `deployment` to `env`; `evidence` is None when it was not read
    (an environment that declares no approvals needs none)."""
    run = evidence.run if evidence is not None else None
    audited = _Audited(env, deployment, run)
    if env.required_approvals == 0:
        return audited(
            Verdict.NOT_REQUIRED, f"{env.name} declares no approvals (required_approvals: 0)"
        )
    if evidence is None or run is None or evidence.reviews is None:
        why = evidence.problem if evidence is not None and evidence.problem else "not read"
        return audited(Verdict.UNKNOWN, why)
    reviews = [r for r in evidence.reviews if r.concerns(env.name)]
    skipped = [r for r in reviews if r.state == "skipped"]
    approvals = [r for r in reviews if r.state == "approved" and r.person]
    by_apps = [r for r in reviews if r.state == "approved" and not r.person]
    audited = _Audited(env, deployment, run, _names(approvals), _names(skipped))
    if skipped:
        return audited(
            Verdict.BYPASSED,
            f"the gate was skipped by {_listing(_names(skipped))} "
            "(an administrator's bypass of the protection rules)",
        )
    if approvals:
        return _approved(audited, env, run, approvals)
    app_note = f"; approved only by the app {_listing(_names(by_apps))}" if by_apps else ""
    if deployment.states[:1] == ("waiting",) or run.status == "waiting":
        return audited(Verdict.PENDING, f"waiting for a reviewer's approval{app_note}")
    rejections = [r for r in reviews if r.state == "rejected"]
    if RELEASED & set(deployment.states):
        said = f"; rejected by {_listing(_names(rejections))}" if rejections else ""
        return audited(
            Verdict.UNAPPROVED,
            f"ran with no approval record (required_approvals: {env.required_approvals})"
            f"{said}{app_note}",
        )
    if rejections:
        return audited(
            Verdict.REJECTED, f"rejected by {_listing(_names(rejections))}; it never ran"
        )
    ended = f"the run ended {run.conclusion}" if run.conclusion else "the job ended"
    return audited(Verdict.REJECTED, f"never ran: {ended} before anyone reviewed it{app_note}")


def _approved(
    audited: _Audited, env: DesiredEnvironment, run: ObservedRun, approvals: Sequence[Review]
) -> AuditedDeployment:
    approvers = _names(approvals)
    others = [a for a in approvers if a.lower() not in run.starters]
    rerun = f" ({_started(run)})" if len(run.starters) > 1 else ""
    if env.prevent_self_review or env.required_approvals >= 2:
        if not others:
            return audited(
                Verdict.SELF_APPROVED,
                f"approved only by {_listing(approvers)}, who started the run{rerun}; "
                f"{env.name} needs a second person's approval",
            )
        return audited(
            Verdict.APPROVED, f"approved by {_listing(others)}, a second person ({_started(run)})"
        )
    return audited(Verdict.APPROVED, f"approved by {_listing(approvers)}")


class _Audited:
    """The parts of one deployment's line that do not depend on the verdict."""

    def __init__(
        self,
        env: DesiredEnvironment,
        deployment: ObservedDeployment,
        run: ObservedRun | None,
        approved_by: tuple[str, ...] = (),
        skipped_by: tuple[str, ...] = (),
    ) -> None:
        self.env = env
        self.deployment = deployment
        self.run = run
        self.approved_by = approved_by
        self.skipped_by = skipped_by

    def __call__(self, verdict: Verdict, detail: str) -> AuditedDeployment:
        d, run = self.deployment, self.run
        starter = (run.triggering_actor or run.actor) if run is not None else None
        return AuditedDeployment(
            repository=d.repository,
            environment=self.env.name,
            deployment_id=d.id,
            run_id=run.id if run is not None else d.run_id,
            created_at=d.created_at,
            sha=d.sha,
            ref=d.ref,
            triggered_by=starter or d.creator,
            approved_by=self.approved_by,
            skipped_by=self.skipped_by,
            verdict=verdict,
            detail=detail,
            run_url=run.html_url if run is not None else None,
        )
