"""Findings, unmanaged items and the reviewer-access pair."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from reconciler.diff import access_findings, diff, reviewers_to_check
from reconciler.model.findings import Code
from reconciler.model.observed import (
    ObservedBranchPolicy,
    ObservedEnvironment,
    ObservedReviewer,
    ObservedSecret,
    ObservedVariable,
    TeamInfo,
    Unverified,
)
from reconciler.model.payloads import EnvironmentSettings
from reconciler.model.plan import Action, Finding, Resource, Severity, Unmanaged
from reconciler.model.subjects import SubjectTemplate

from .builders import REPO, base_state, replace_desired_environment, team, user
from .converged import observed_from, replace_environment, replace_repository


def _codes(findings: tuple[Finding, ...]) -> list[tuple[Severity, str]]:
    return [(f.severity, f.code) for f in findings]


def _with_live_extras(prune: bool) -> tuple[object, object]:
    desired = base_state(prune=prune)
    observed = observed_from(desired)
    repo = observed.repositories[REPO.lower()]
    prod = repo.environment("prod")
    assert prod is not None
    qa = ObservedEnvironment(
        name="qa",
        variables={"QA_ONLY": ObservedVariable("QA_ONLY", "1")},
        secrets={"QA_SECRET": ObservedSecret("QA_SECRET", None)},
    )
    observed = replace_repository(
        observed,
        REPO,
        environments={**repo.environments, "qa": qa},
        variables={**repo.variables, "LEGACY": ObservedVariable("LEGACY", "x")},
        secrets={**repo.secrets, "OLD_TOKEN": ObservedSecret("OLD_TOKEN", None)},
    )
    observed = replace_environment(
        observed,
        REPO,
        "prod",
        variables={**prod.variables, "STRAY": ObservedVariable("STRAY", "y")},
        secrets={**prod.secrets, "STRAY_SECRET": ObservedSecret("STRAY_SECRET", None)},
        branch_policies=(*prod.branch_policies, ObservedBranchPolicy(7, "branch", "dev/*")),
    )
    return desired, observed


EXPECTED_UNMANAGED = [
    (Resource.REPOSITORY_VARIABLE, None, "LEGACY"),
    (Resource.REPOSITORY_SECRET, None, "OLD_TOKEN"),
    (Resource.VARIABLE, "prod", "STRAY"),
    (Resource.SECRET, "prod", "STRAY_SECRET"),
    (Resource.BRANCH_POLICY, "prod", "branch:dev/*"),
    (Resource.ENVIRONMENT, "qa", "qa"),
]


def test_unmanaged_items_are_listed_without_prune() -> None:
    desired, observed = _with_live_extras(prune=False)
    plan = diff(desired, observed)  # type: ignore[arg-type]
    assert plan.changes == ()
    got = {(u.resource, u.environment, u.name) for u in plan.unmanaged}
    assert got == set(EXPECTED_UNMANAGED)
    # Items inside the undeclared environment "qa" are not listed on their own.
    assert all(u.environment != "qa" or u.resource is Resource.ENVIRONMENT for u in plan.unmanaged)
    # The extra pattern on a reviewed environment widens who can deploy.
    assert _codes(plan.findings) == [(Severity.WARNING, Code.EXTRA_BRANCH_POLICY)]
    assert "branch:dev/*" in plan.findings[0].message
    assert not plan.has_drift


def test_unmanaged_items_become_deletes_with_prune() -> None:
    desired, observed = _with_live_extras(prune=True)
    plan = diff(desired, observed)  # type: ignore[arg-type]
    assert plan.unmanaged == ()
    got = {(c.resource, c.environment, c.name) for c in plan.changes}
    assert got == set(EXPECTED_UNMANAGED)
    assert all(c.action is Action.DELETE and c.after is None for c in plan.changes)
    assert plan.findings == ()  # qa had no reviewers: deleting it weakens nothing


def test_repository_missing_is_an_error_not_a_change() -> None:
    desired = base_state()
    observed = replace(observed_from(desired), repositories={})
    plan = diff(desired, observed)
    assert plan.changes == ()
    assert _codes(plan.findings) == [(Severity.ERROR, Code.REPOSITORY_MISSING)]
    assert plan.findings[0].repository == REPO


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        # Without the team only octocat is left: 4-eyes fails too.
        ("teams", [Code.FOUR_EYES_TOO_FEW_PEOPLE, Code.UNKNOWN_TEAM]),
        ("users", [Code.UNKNOWN_USER]),
    ],
)
def test_unknown_reviewers_are_errors(missing: str, expected: list[str]) -> None:
    desired = base_state()
    observed = observed_from(desired)
    known = replace(observed.identities, **{missing: {}})
    plan = diff(desired, replace(observed, identities=known))
    assert plan.changes == ()
    assert sorted(f.code for f in plan.findings) == expected
    assert all(f.severity is Severity.ERROR and f.environment == "prod" for f in plan.findings)


def test_four_eyes_needs_two_distinct_people() -> None:
    # The team's only member is octocat: one person, however it is listed.
    desired = base_state()
    observed = observed_from(desired)
    solo = TeamInfo("platform-approvers", 1, ("OctoCat",))
    observed = replace(
        observed,
        identities=replace(observed.identities, teams={"platform-approvers": solo}),
    )
    plan = diff(desired, observed)
    assert _codes(plan.findings) == [(Severity.ERROR, Code.FOUR_EYES_TOO_FEW_PEOPLE)]
    assert "resolve to 1 (octocat)" in plan.findings[0].message
    assert plan.has_drift


def test_protection_weakened_when_reviewers_are_removed() -> None:
    desired = replace_desired_environment(
        base_state(), "prod", required_approvals=0, reviewers=(), prevent_self_review=False
    )
    plan = diff(desired, observed_from(base_state()))
    assert _codes(plan.findings) == [(Severity.WARNING, Code.PROTECTION_WEAKENED)]
    assert "removes every required reviewer" in plan.findings[0].message


@pytest.mark.parametrize(
    ("changes", "phrase"),
    [
        ({"prevent_self_review": False, "required_approvals": 1}, "prevent_self_review off"),
        ({"wait_timer": 0}, "lowers wait_timer from 5 to 0"),
        ({"branch_patterns": None}, "lets any branch deploy (was custom"),
        ({"admins_bypass": True, "required_approvals": 1}, "lets administrators bypass"),
    ],
)
def test_protection_weakened_per_field(changes: dict[str, object], phrase: str) -> None:
    desired = replace_desired_environment(base_state(), "prod", **changes)
    plan = diff(desired, observed_from(base_state()))
    assert len(plan.changes) == 1
    assert _codes(plan.findings) == [(Severity.WARNING, Code.PROTECTION_WEAKENED)]
    assert phrase in plan.findings[0].message


def test_a_switch_between_patterns_and_protected_branches_is_judged_as_diff_judges_it() -> None:
    desired = base_state()
    observed = observed_from(desired)
    to_protected = replace_desired_environment(
        desired, "prod", branch_patterns=None, protected_branches=True
    )
    plan = diff(to_protected, observed)
    assert _codes(plan.findings) == [(Severity.WARNING, Code.PROTECTION_WEAKENED)]
    assert "deployment_branches: protected lets every branch with protection rules deploy" in (
        plan.findings[0].message
    )
    assert "(was branch:main, tag:v*)" in plan.findings[0].message
    # Back from protected: the listed patterns admit what protection refused.
    plan = diff(desired, observed_from(to_protected))
    assert _codes(plan.findings) == [(Severity.WARNING, Code.PROTECTION_WEAKENED)]
    assert "lets refs deploy that protected branches only refused" in plan.findings[0].message
    # Narrowing any branch to protected ones gives nothing up.
    anywhere = replace_desired_environment(desired, "prod", branch_patterns=None)
    assert diff(to_protected, observed_from(anywhere)).findings == ()


def test_an_unreported_admins_bypass_is_unknown_never_false() -> None:
    desired = base_state()
    observed = observed_from(desired)
    for env in ("dev", "prod"):
        observed = replace_environment(observed, REPO, env, can_admins_bypass=None)
    plan = diff(desired, observed)
    assert plan.changes == ()
    # Only prod manages it (dev has required_approvals 0 and does not declare it).
    assert _codes(plan.findings) == [(Severity.WARNING, Code.ADMINS_BYPASS_UNKNOWN)]
    assert plan.findings[0].environment == "prod"
    assert "not read as false" in plan.findings[0].message
    # Another drift in that environment is still shown, without a guess at the bypass.
    plan = diff(desired, replace_environment(observed, REPO, "prod", wait_timer=1))
    assert [(c.before, c.after) for c in plan.changes] == [
        (EnvironmentSettings(wait_timer=1), EnvironmentSettings(wait_timer=5))
    ]


def test_strengthening_is_not_a_weakening() -> None:
    desired = replace_desired_environment(base_state(), "prod", wait_timer=60)
    plan = diff(desired, observed_from(base_state()))
    assert len(plan.changes) == 1 and plan.findings == ()


def test_pruning_a_reviewed_environment_warns() -> None:
    desired = base_state(prune=True)
    observed = observed_from(desired)
    repo = observed.repositories[REPO.lower()]
    staging = ObservedEnvironment("staging", reviewers=(ObservedReviewer("user", 1, "octocat"),))
    observed = replace_repository(
        observed, REPO, environments={**repo.environments, "staging": staging}
    )
    plan = diff(desired, observed)
    assert [(c.action, c.name) for c in plan.changes] == [(Action.DELETE, "staging")]
    assert _codes(plan.findings) == [(Severity.WARNING, Code.PROTECTION_WEAKENED)]


def test_unmanaged_rules_warning() -> None:
    desired = base_state()
    observed = replace_environment(
        observed_from(desired), REPO, "prod", other_rules=("custom:datadog-gate",)
    )
    plan = diff(desired, observed)
    assert plan.changes == ()
    assert _codes(plan.findings) == [(Severity.WARNING, Code.UNMANAGED_RULES)]
    assert "datadog-gate" in plan.findings[0].message


def test_aws_findings_are_copied() -> None:
    desired = base_state()
    observed = observed_from(desired)
    aws_finding = Finding(Severity.ERROR, Code.TRUST_MISMATCH, "too wide", REPO, "prod")
    observed = replace(observed, aws=replace(observed.aws, findings=(aws_finding,)))
    plan = diff(desired, observed)
    assert plan.findings == (
        Finding(Severity.ERROR, "aws.trust_mismatch", "too wide", REPO, "prod"),
    )


def test_every_finding_code_has_an_area_and_a_unique_spelling() -> None:
    # `@unique` turns a repeated spelling into an error at import, not a hidden alias.
    spellings = [c.value for c in Code]
    assert len(spellings) == len(set(spellings)) == len(Code.__members__)
    assert {c.split(".")[0] for c in spellings} == {"github", "aws", "secret", "dispatch", "review"}
    assert all(re.fullmatch(r"[a-z]+\.[a-z][a-z0-9_]*", s) for s in spellings)


def test_reviewers_to_check_only_lists_added_reviewers() -> None:
    desired = replace_desired_environment(
        base_state(), "prod", reviewers=(team("platform-approvers"), user("octocat"), user("Hubot"))
    )
    observed = observed_from(base_state())
    repo = observed.repositories[REPO.lower()]
    observed = replace_repository(
        observed, REPO, environments={k: v for k, v in repo.environments.items() if k != "dev"}
    )
    desired = replace_desired_environment(
        desired, "dev", reviewers=(user("octocat"),), required_approvals=1
    )
    plan = diff(desired, observed)
    assert reviewers_to_check(plan, desired) == {
        (REPO, user("Hubot")),  # added to an existing environment
        (REPO, user("octocat")),  # the whole list of a created environment
    }


def test_reviewers_to_check_is_empty_when_reviewers_do_not_change() -> None:
    desired = replace_desired_environment(base_state(), "prod", wait_timer=9)
    plan = diff(desired, observed_from(base_state()))
    assert len(plan.changes) == 1
    assert reviewers_to_check(plan, desired) == set()


def test_access_findings_name_team_and_repository() -> None:
    found = access_findings(
        {(REPO, "team:platform-approvers"): False, (REPO, "user:octocat"): True}
    )
    assert len(found) == 1
    assert found[0].severity is Severity.ERROR
    assert found[0].code == Code.REVIEWER_NO_ACCESS
    assert found[0].repository == REPO
    assert "team:platform-approvers" in found[0].message and REPO in found[0].message
    assert access_findings({}) == []


def test_access_these_credentials_cannot_verify_is_a_warning() -> None:
    reason = "Must have push access to view collaborator permission."
    found = access_findings({(REPO, "user:octocat"): Unverified(reason)})
    assert _codes(tuple(found)) == [(Severity.WARNING, Code.REVIEWER_ACCESS_UNVERIFIED)]
    assert reason in found[0].message and "user:octocat" in found[0].message


def test_an_unreadable_subject_template_is_a_warning() -> None:
    desired = base_state()
    owner, name = REPO.split("/")
    problem = "GitHub refused reading the OIDC subject template of it (403)"
    observed = replace(
        observed_from(desired),
        subjects={
            REPO.lower(): SubjectTemplate(owner, name, problem=problem),
            "o/fine": SubjectTemplate("o", "fine"),
        },
    )
    plan = diff(desired, observed)
    assert _codes(plan.findings) == [(Severity.WARNING, Code.OIDC_TEMPLATE_UNREADABLE)]
    assert plan.findings[0].repository == REPO
    assert problem in plan.findings[0].message


def test_unmanaged_values_have_stable_shape() -> None:
    desired, observed = _with_live_extras(prune=False)
    plan = diff(desired, observed)  # type: ignore[arg-type]
    assert Unmanaged(Resource.ENVIRONMENT, REPO, "qa", "qa") in plan.unmanaged
