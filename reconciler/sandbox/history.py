"""A job history for the sandbox: deployments as GitHub Actions would have left them.

`reconcile sandbox` seeds one job of each case into the first repository, so
that `reconcile approvals` has something to judge; `reconcile demo` records
two prod deployments, one approved by a second person and one whose gate an
administrator skipped. The people are the ones `seed_github` created: the
reviewers of the gated environment, an organization owner, and two developers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from reconciler.model.desired import DesiredEnvironment, DesiredRepository, DesiredState
from reconciler.sandbox.github import GitHubEmulator
from reconciler.sandbox.github.jobs import Outcome
from reconciler.sandbox.seed import ADMIN_LOGIN

DEVELOPER = "sandbox-dev"
SECOND_DEVELOPER = "sandbox-dev-2"


@dataclass(frozen=True)
class Cast:
    """Who does what in the recorded jobs."""

    repo: DesiredRepository
    gated: DesiredEnvironment  # the environment with the most approvals
    reviewers: tuple[str, str]  # two distinct people who may approve it


def cast(desired: DesiredState) -> Cast | None:
    """The first repository's most gated environment and two of its reviewers;
    None when no environment declares approvals."""
    if not desired.repositories:
        return None
    repo = desired.repositories[0]
    gated = max(repo.environments, key=lambda e: e.required_approvals, default=None)
    if gated is None or gated.required_approvals == 0:
        return None
    people: list[str] = []
    for reviewer in gated.reviewers:
        if reviewer.kind == "team":
            # seed_github's two members of each reviewing team.
            people += [f"{reviewer.name}-alice", f"{reviewer.name}-bob"]
        else:
            people.append(reviewer.name)
    people += ["sandbox-reviewer-1", "sandbox-reviewer-2"]
    first, second = list(dict.fromkeys(people))[:2]  # the first two distinct, in order
    return Cast(repo, gated, (first, second))


def record_demo_deployments(emulator: GitHubEmulator, desired: DesiredState) -> list[str]:
    """Two deployments to the gated environment: approved by a second person, and
    released by an administrator who skipped the gate. One line per deployment."""
    who = cast(desired)
    if who is None:
        return []
    owner, repo, env = desired.owner, who.repo.name, who.gated.name
    approver = who.reviewers[0]
    emulator.record_job(owner, repo, env, actor=DEVELOPER, reviews=[("approved", approver)])
    emulator.record_job(owner, repo, env, actor=DEVELOPER, reviews=[("skipped", ADMIN_LOGIN)])
    return [
        f"{repo}/{env}: started by {DEVELOPER}, approved by {approver}",
        f"{repo}/{env}: started by {DEVELOPER}, gate skipped by {ADMIN_LOGIN} (an admin's bypass)",
    ]


def seed_job_history(emulator: GitHubEmulator, desired: DesiredState) -> list[str]:
    """One job of each case, over the last day, into the first repository."""
    who = cast(desired)
    if who is None:
        return []
    owner, repo = desired.owner, who.repo.name
    gated, (first, second) = who.gated.name, who.reviewers
    one = next((e.name for e in who.repo.environments if e.required_approvals == 1), gated)
    free = next((e.name for e in who.repo.environments if e.required_approvals == 0), None)
    now = emulator.now()
    approved = [("approved", first)]
    cases: list[tuple[str, str, list[tuple[str, str]], str | None, Outcome]] = [
        ("approved by a second person", gated, approved, None, "ran"),
        ("approved by the person who started it", gated, [("approved", DEVELOPER)], None, "ran"),
        ("gate skipped by an administrator", gated, [("skipped", ADMIN_LOGIN)], None, "ran"),
        ("no review at all (the gate was off)", gated, [], None, "ran"),
        (
            "re-run by someone else, approved by a third person",
            gated,
            [("approved", second)],
            SECOND_DEVELOPER,
            "ran",
        ),
        ("rejected", one, [("rejected", second)], None, "ran"),
        ("waiting for a reviewer now", gated, [], None, "waiting"),
    ]
    if free is not None:
        cases.append(("no approval needed", free, [], None, "ran"))
    lines = []
    # Oldest first, three hours apart: all within `reconcile approvals`' default 36 hours.
    for back, (what, env, reviews, rerun_by, outcome) in zip(
        range(len(cases), 0, -1), cases, strict=True
    ):
        job = emulator.record_job(
            owner,
            repo,
            env,
            actor=DEVELOPER,
            reviews=reviews,
            rerun_by=rerun_by,
            outcome=outcome,
            at=now - timedelta(hours=3 * back),
        )
        lines.append(f"{repo}/{env} deployment {job.deployment_id}: {what}")
    return lines
