"""GitHub's plan against the environments a plan would write: pure, table-driven."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.diff import billing_findings, billing_to_check, diff
from reconciler.model.desired import DesiredState
from reconciler.model.findings import Code
from reconciler.model.observed import RepositoryBilling
from reconciler.model.plan import Plan, Severity

from .builders import REPO, base_state, replace_desired_environment
from .converged import observed_from, replace_repository


def _fresh_plan() -> tuple[DesiredState, Plan]:
    """Both environments missing on GitHub: dev (open) and prod (4-eyes, timer)."""
    desired = base_state()
    observed = replace_repository(observed_from(desired), REPO, environments={})
    return desired, diff(desired, observed)


def _billing(visibility: str, owner_type: str, plan: str | None) -> dict[str, RepositoryBilling]:
    return {REPO.lower(): RepositoryBilling(REPO, visibility, owner_type, plan)}


@pytest.mark.parametrize(
    ("visibility", "owner_type", "plan", "refused"),
    [
        ("public", "Organization", "free", []),
        ("private", "Organization", "enterprise", []),
        ("internal", "Organization", "enterprise", []),
        ("private", "Organization", "business_plus", []),
        ("private", "Organization", None, []),  # the plan is hidden: nothing is claimed
        ("private", "Organization", "team", ["prod"]),
        ("internal", "Organization", "team", ["prod"]),
        ("private", "User", None, ["prod"]),  # personal accounts have no Enterprise plan
        ("private", "Organization", "free", ["dev", "prod"]),  # no environments at all
    ],
)
def test_which_environments_the_plan_cannot_have(
    visibility: str, owner_type: str, plan: str | None, refused: list[str]
) -> None:
    desired, fresh = _fresh_plan()
    found = billing_findings(fresh, desired, _billing(visibility, owner_type, plan))
    assert sorted(f.environment or "" for f in found) == refused
    assert all(f.severity is Severity.ERROR and f.code == Code.PLAN_UNSUPPORTED for f in found)
    assert all(f.repository == REPO for f in found)


def test_the_finding_says_why_in_one_sentence() -> None:
    desired, fresh = _fresh_plan()
    (found,) = billing_findings(fresh, desired, _billing("private", "Organization", "team"))
    assert found.message.startswith("environment prod: 4-eyes (required reviewers) cannot")
    assert f"4-eyes (required reviewers) cannot be enforced on {REPO} on this plan" in found.message
    assert "the team plan" in found.message
    assert "\n" not in found.message


def test_a_wait_timer_alone_needs_enterprise_too() -> None:
    desired = replace_desired_environment(base_state(), "dev", wait_timer=3)
    fresh = diff(desired, replace_repository(observed_from(desired), REPO, environments={}))
    found = billing_findings(fresh, desired, _billing("private", "Organization", "team"))
    assert {(f.environment, "a wait timer" in f.message) for f in found} >= {("dev", True)}


def test_only_repositories_with_environment_writes_are_asked_about() -> None:
    desired = base_state()
    converged = diff(desired, observed_from(desired))
    assert billing_to_check(converged) == set()
    _, fresh = _fresh_plan()
    assert billing_to_check(fresh) == {REPO}
    # A variable alone is no environment write.
    observed = observed_from(desired)
    repo = observed.repositories[REPO.lower()]
    assert repo.environment("prod") is not None
    drifted = replace(observed, repositories={REPO.lower(): replace(repo, variables={})})
    assert billing_to_check(diff(desired, drifted)) == set()
