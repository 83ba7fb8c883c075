"""The verdict on one deployment (reconciler.approvals.verdict): every rule, pure."""

from __future__ import annotations

import pytest

from reconciler.approvals import judge
from reconciler.model.approvals import RunEvidence, Verdict

from .facts import DEV, PROD, STAGING, deployment, environment, evidence, review, run

WAITING = ("waiting",)
NEVER_RAN = ("failure", "waiting")


@pytest.mark.parametrize(
    ("env", "states", "facts", "verdict", "detail"),
    [
        (PROD, None, evidence(review("approved", "alice")), Verdict.APPROVED,
         "approved by alice, a second person (started by carol)"),
        (PROD, None, evidence(review("approved", "carol")), Verdict.SELF_APPROVED,
         "approved only by carol, who started the run; prod needs a second person's approval"),
        (PROD, None, evidence(review("approved", "dave"), of=run("carol", "dave")), Verdict.SELF_APPROVED,
         "approved only by dave, who started the run (started by carol, re-run by dave); prod needs a second person's approval"),
        (PROD, None, evidence(review("approved", "alice"), of=run("carol", "dave")), Verdict.APPROVED,
         "approved by alice, a second person (started by carol, re-run by dave)"),
        (PROD, None, evidence(review("approved", "carol"), review("approved", "alice")), Verdict.APPROVED,
         "approved by alice, a second person (started by carol)"),
        (PROD, None, evidence(review("skipped", "admin")), Verdict.BYPASSED,
         "the gate was skipped by admin (an administrator's bypass of the protection rules)"),
        (PROD, None, evidence(review("approved", "alice"), review("skipped", "admin")), Verdict.BYPASSED,
         "the gate was skipped by admin (an administrator's bypass of the protection rules)"),
        (PROD, ("success", "in_progress", "queued"), evidence(), Verdict.UNAPPROVED,
         "ran with no approval record (required_approvals: 2)"),
        (PROD, None, evidence(review("approved", "gatekeeper[bot]", person=False)), Verdict.UNAPPROVED,
         "ran with no approval record (required_approvals: 2); approved only by the app gatekeeper[bot]"),
        (PROD, None, evidence(review("approved", "alice", "staging")), Verdict.UNAPPROVED,
         "ran with no approval record (required_approvals: 2)"),
        (PROD, WAITING, evidence(), Verdict.PENDING, "waiting for a reviewer's approval"),
        (PROD, NEVER_RAN, evidence(review("rejected", "alice")), Verdict.REJECTED,
         "rejected by alice; it never ran"),
        (PROD, ("error", "waiting"), evidence(of=run(conclusion="cancelled")), Verdict.REJECTED,
         "never ran: the run ended cancelled before anyone reviewed it"),
        (STAGING, None, evidence(review("approved", "carol", "staging")), Verdict.APPROVED, "approved by carol"),
        (environment("staging", 1, prevent_self_review=True), None,
         evidence(review("approved", "carol", "staging")),
         Verdict.SELF_APPROVED,
         "approved only by carol, who started the run; staging needs a second person's approval"),
        (DEV, None, None, Verdict.NOT_REQUIRED, "dev declares no approvals (required_approvals: 0)"),
        (PROD, None, RunEvidence(problem="run 9001 not found"), Verdict.UNKNOWN, "run 9001 not found"),
        (PROD, None, RunEvidence(run=run(), problem="GitHub refused"), Verdict.UNKNOWN, "GitHub refused"),
    ],
    ids=[
        "second-person", "self", "self-by-re-run", "re-run-approved-by-third", "self-and-second",
        "skipped", "skip-beats-approval", "gate-off", "app-only", "other-environment", "waiting",
        "rejected", "cancelled", "one-approval-self-allowed", "one-approval-self-forbidden",
        "not-required", "run-unreadable", "reviews-unreadable",
    ],
)  # fmt: skip
def test_each_rule(env, states, facts, verdict, detail) -> None:  # type: ignore[no-untyped-def]
    d = deployment(env.name, states=states) if states else deployment(env.name)
    audited = judge(env, d, facts)
    assert (audited.verdict, audited.detail) == (verdict, detail)


def test_the_line_names_who_started_approved_and_skipped() -> None:
    audited = judge(
        PROD, deployment(), evidence(review("approved", "alice"), review("approved", "Alice"))
    )
    assert audited.approved_by == ("alice",)  # one person, however often GitHub lists them
    assert audited.skipped_by == ()
    assert (audited.triggered_by, audited.run_id, audited.run_url) == (
        "carol",
        9001,
        "https://github.com/Alpha-Swarm-ai/alphaswarm_platform/actions/runs/9001",
    )
    skipped = judge(PROD, deployment(), evidence(review("skipped", "admin")))
    assert (skipped.approved_by, skipped.skipped_by) == ((), ("admin",))
    rerun = judge(
        PROD, deployment(), evidence(review("approved", "alice"), of=run("carol", "dave"))
    )
    assert rerun.triggered_by == "dave"


def test_a_deployment_without_its_run_keeps_what_the_deployment_says() -> None:
    audited = judge(PROD, deployment(run_id=None, creator="erin"), RunEvidence(problem="why"))
    assert (audited.run_id, audited.triggered_by, audited.verdict) == (
        None,
        "erin",
        Verdict.UNKNOWN,
    )
    not_required = judge(DEV, deployment("dev", creator="erin"), None)
    assert (not_required.run_id, not_required.triggered_by) == (9001, "erin")


def test_environment_names_match_review_entries_case_insensitively() -> None:
    audited = judge(PROD, deployment("Prod"), evidence(review("approved", "alice", "PROD")))
    assert (audited.environment, audited.verdict) == ("prod", Verdict.APPROVED)


def test_a_run_waiting_for_another_environment_keeps_this_one_approved() -> None:
    waiting_run = run(status="waiting", conclusion=None)
    staging = judge(
        STAGING,
        deployment("staging"),
        evidence(review("approved", "bob", "staging"), of=waiting_run),
    )
    assert staging.verdict is Verdict.APPROVED
    prod = judge(
        PROD,
        deployment(states=WAITING),
        evidence(review("approved", "bob", "staging"), of=waiting_run),
    )
    assert prod.verdict is Verdict.PENDING
