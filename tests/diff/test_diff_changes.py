"""One drift at a time: each row changes one thing and expects exactly one change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from reconciler.diff import diff
from reconciler.model.desired import BranchPattern, DesiredState
from reconciler.model.observed import (
    ObservedBranchPolicy,
    ObservedReviewer,
    ObservedSecret,
    ObservedState,
    ObservedVariable,
)
from reconciler.model.payloads import VariablePayload
from reconciler.model.plan import AWS_UNREADABLE, SENSITIVE, Action, Resource

from .builders import (
    REPO,
    base_state,
    replace_desired_environment,
    replace_desired_repository,
    shown,
    team,
)
from .converged import (
    SECRET_WRITTEN_AT,
    observed_from,
    replace_environment,
    replace_repository,
)

States = tuple[DesiredState, ObservedState]


def _prod(o: ObservedState) -> Any:
    env = o.repositories[REPO.lower()].environment("prod")
    assert env is not None
    return env


def variable_changed(d: DesiredState, o: ObservedState) -> States:
    variables = dict(_prod(o).variables)
    variables["EXTRA_FLAG"] = ObservedVariable("EXTRA_FLAG", "off")
    return d, replace_environment(o, REPO, "prod", variables=variables)


def variable_missing(d: DesiredState, o: ObservedState) -> States:
    variables = {k: v for k, v in _prod(o).variables.items() if k != "EXTRA_FLAG"}
    return d, replace_environment(o, REPO, "prod", variables=variables)


def variable_removed_from_config(d: DesiredState, o: ObservedState) -> States:
    prod = d.repositories[0].environments[1]
    variables = {k: v for k, v in prod.variables.items() if k != "EXTRA_FLAG"}
    return replace(replace_desired_environment(d, "prod", variables=variables), prune=True), o


def reviewer_removed(d: DesiredState, o: ObservedState) -> States:
    reviewers = (*_prod(o).reviewers, ObservedReviewer("user", 99, "mallory"))
    return d, replace_environment(o, REPO, "prod", reviewers=reviewers)


def reviewer_added(d: DesiredState, o: ObservedState) -> States:
    reviewers = tuple(r for r in _prod(o).reviewers if r.kind == "team")
    return d, replace_environment(o, REPO, "prod", reviewers=reviewers)


def self_review_flipped(d: DesiredState, o: ObservedState) -> States:
    return d, replace_environment(o, REPO, "prod", prevent_self_review=False)


def wait_timer_changed(d: DesiredState, o: ObservedState) -> States:
    return d, replace_environment(o, REPO, "prod", wait_timer=30)


def admins_bypass_turned_on(d: DesiredState, o: ObservedState) -> States:
    return d, replace_environment(o, REPO, "prod", can_admins_bypass=True)


def admins_bypass_declared_on_an_open_environment(d: DesiredState, o: ObservedState) -> States:
    return replace_desired_environment(d, "dev", admins_bypass=False), o


def branch_policy_missing(d: DesiredState, o: ObservedState) -> States:
    policies = tuple(p for p in _prod(o).branch_policies if p.type == "branch")
    return d, replace_environment(o, REPO, "prod", branch_policies=policies)


def branch_policy_removed_from_config(d: DesiredState, o: ObservedState) -> States:
    d = replace_desired_environment(d, "prod", branch_patterns=(BranchPattern("branch", "main"),))
    return replace(d, prune=True), o


def branch_policy_protected(d: DesiredState, o: ObservedState) -> States:
    dev = _env(o, "dev")
    return d, replace_environment(o, REPO, dev.name, branch_policy="protected")


def protected_branches_wanted(d: DesiredState, o: ObservedState) -> States:
    return replace_desired_environment(d, "dev", protected_branches=True), o


def custom_live_protected_wanted(d: DesiredState, o: ObservedState) -> States:
    d = replace_desired_environment(d, "prod", branch_patterns=None, protected_branches=True)
    return d, o


def protected_live_custom_wanted(d: DesiredState, o: ObservedState) -> States:
    d = replace_desired_environment(d, "dev", branch_patterns=())
    return d, replace_environment(o, REPO, _env(o, "dev").name, branch_policy="protected")


def environment_removed_from_config(d: DesiredState, o: ObservedState) -> States:
    repo = d.repositories[0]
    d = replace_desired_repository(d, environments=repo.environments[1:])
    return replace(d, prune=True), o


def secret_missing(d: DesiredState, o: ObservedState) -> States:
    return d, replace_environment(o, REPO, "prod", secrets={})


def secret_removed_from_config(d: DesiredState, o: ObservedState) -> States:
    d = replace_desired_environment(d, "prod", secrets={})
    return replace(d, prune=True), o


def secret_rotated(d: DesiredState, o: ObservedState) -> States:
    changed = dict(o.aws.source_changed_at)
    changed["aws_secret:app/key"] = SECRET_WRITTEN_AT + timedelta(hours=1)
    return d, replace(o, aws=replace(o.aws, source_changed_at=changed))


def repository_variable_changed(d: DesiredState, o: ObservedState) -> States:
    variables = {"SERVICE": ObservedVariable("SERVICE", "platform")}
    return d, replace_repository(o, REPO, variables=variables)


def repository_secret_missing(d: DesiredState, o: ObservedState) -> States:
    return d, replace_repository(o, REPO, secrets={})


def repository_secret_removed_from_config(d: DesiredState, o: ObservedState) -> States:
    return replace(replace_desired_repository(d, secrets={}), prune=True), o


def ssm_variable_changed(d: DesiredState, o: ObservedState) -> States:
    values = dict(o.aws.parameter_values)
    values["ssm_parameter:/app/db-host@333333333333"] = "db2.internal"
    return d, replace(o, aws=replace(o.aws, parameter_values=values))


def _env(o: ObservedState, name: str) -> Any:
    env = o.repositories[REPO.lower()].environment(name)
    assert env is not None
    return env


@dataclass(frozen=True)
class Row:
    mutate: Callable[[DesiredState, ObservedState], States]
    action: Action
    resource: Resource
    environment: str | None
    name: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


ROWS = {
    "variable value changed": Row(
        variable_changed, Action.UPDATE, Resource.VARIABLE, "prod", "EXTRA_FLAG",
        {"value": "off"}, {"value": "on"},
    ),
    "variable missing on GitHub": Row(
        variable_missing, Action.CREATE, Resource.VARIABLE, "prod", "EXTRA_FLAG",
        None, {"value": "on"},
    ),
    "variable deleted from config (prune)": Row(
        variable_removed_from_config, Action.DELETE, Resource.VARIABLE, "prod", "EXTRA_FLAG",
        {"value": "on"}, None,
    ),
    "ssm parameter value changed": Row(
        ssm_variable_changed, Action.UPDATE, Resource.VARIABLE, "prod", "DB_HOST",
        {"value": "ssm-value-of:/app/db-host"}, {"value": "db2.internal"},
    ),
    "reviewer removed": Row(
        reviewer_removed, Action.UPDATE, Resource.ENVIRONMENT, "prod", "prod",
        {"reviewers": ["team:platform-approvers", "user:mallory", "user:octocat"]},
        {"reviewers": ["team:platform-approvers", "user:octocat"]},
    ),
    "reviewer added": Row(
        reviewer_added, Action.UPDATE, Resource.ENVIRONMENT, "prod", "prod",
        {"reviewers": ["team:platform-approvers"]},
        {"reviewers": ["team:platform-approvers", "user:octocat"]},
    ),
    "prevent_self_review flipped": Row(
        self_review_flipped, Action.UPDATE, Resource.ENVIRONMENT, "prod", "prod",
        {"prevent_self_review": False}, {"prevent_self_review": True},
    ),
    "wait_timer changed": Row(
        wait_timer_changed, Action.UPDATE, Resource.ENVIRONMENT, "prod", "prod",
        {"wait_timer": 30}, {"wait_timer": 5},
    ),
    "admins' bypass switched on by hand": Row(
        admins_bypass_turned_on, Action.UPDATE, Resource.ENVIRONMENT, "prod", "prod",
        {"admins_bypass": True}, {"admins_bypass": False},
    ),
    "admins' bypass declared where approvals are 0": Row(
        admins_bypass_declared_on_an_open_environment, Action.UPDATE, Resource.ENVIRONMENT,
        "dev", "dev", {"admins_bypass": True}, {"admins_bypass": False},
    ),
    "protected branches live, all wanted": Row(
        branch_policy_protected, Action.UPDATE, Resource.ENVIRONMENT, "dev", "dev",
        {"deployment_branch_policy": "protected"}, {"deployment_branch_policy": "all"},
    ),
    "protected branches wanted, any branch live": Row(
        protected_branches_wanted, Action.UPDATE, Resource.ENVIRONMENT, "dev", "dev",
        {"deployment_branch_policy": "all"}, {"deployment_branch_policy": "protected"},
    ),
    # The live patterns go with the switch: GitHub drops them, no delete of its own.
    "protected branches wanted, patterns live": Row(
        custom_live_protected_wanted, Action.UPDATE, Resource.ENVIRONMENT, "prod", "prod",
        {"deployment_branch_policy": "custom"}, {"deployment_branch_policy": "protected"},
    ),
    "an empty pattern list wanted, protected branches live": Row(
        protected_live_custom_wanted, Action.UPDATE, Resource.ENVIRONMENT, "dev", "dev",
        {"deployment_branch_policy": "protected"}, {"deployment_branch_policy": "custom"},
    ),
    "branch policy missing on GitHub": Row(
        branch_policy_missing, Action.CREATE, Resource.BRANCH_POLICY, "prod", "tag:v*",
        None, {"type": "tag", "pattern": "v*"},
    ),
    "branch policy removed from config (prune)": Row(
        branch_policy_removed_from_config, Action.DELETE, Resource.BRANCH_POLICY, "prod",
        "tag:v*", {"type": "tag", "pattern": "v*"}, None,
    ),
    "environment removed from config (prune)": Row(
        environment_removed_from_config, Action.DELETE, Resource.ENVIRONMENT, "dev", "dev",
        {"reviewers": [], "prevent_self_review": False, "wait_timer": 0,
         "admins_bypass": True, "deployment_branch_policy": "all"},
        None,
    ),
    "secret missing on GitHub": Row(
        secret_missing, Action.CREATE, Resource.SECRET, "prod", "DEPLOY_KEY",
        None, {"value": SENSITIVE, "source": "aws_secret:app/key"},
    ),
    "secret deleted from config (prune)": Row(
        secret_removed_from_config, Action.DELETE, Resource.SECRET, "prod", "DEPLOY_KEY",
        {"value": SENSITIVE, "updated_at": SECRET_WRITTEN_AT.isoformat()}, None,
    ),
    "secret source rotated after GitHub's copy": Row(
        secret_rotated, Action.UPDATE, Resource.SECRET, "prod", "DEPLOY_KEY",
        {"value": SENSITIVE, "updated_at": SECRET_WRITTEN_AT.isoformat()},
        {"value": SENSITIVE, "source": "aws_secret:app/key"},
    ),
    "repository variable changed": Row(
        repository_variable_changed, Action.UPDATE, Resource.REPOSITORY_VARIABLE, None,
        "SERVICE", {"value": "platform"}, {"value": "admin"},
    ),
    "repository secret missing": Row(
        repository_secret_missing, Action.CREATE, Resource.REPOSITORY_SECRET, None,
        "PLATFORM_DISPATCH_TOKEN", None,
        {"value": SENSITIVE, "source": "aws_secret:alphaswarm/platform-dispatch-token"},
    ),
    "repository secret removed from config (prune)": Row(
        repository_secret_removed_from_config, Action.DELETE, Resource.REPOSITORY_SECRET, None,
        "PLATFORM_DISPATCH_TOKEN",
        {"value": SENSITIVE, "updated_at": SECRET_WRITTEN_AT.isoformat()}, None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_single_drift_is_exactly_one_change(row: Row) -> None:
    desired = base_state()
    desired, observed = row.mutate(desired, observed_from(desired))

    plan = diff(desired, observed)

    assert len(plan.changes) == 1, [c.to_json() for c in plan.changes]
    change = plan.changes[0]
    assert change.action is row.action
    assert change.resource is row.resource
    assert change.repository == REPO
    assert (change.environment or "").lower() == (row.environment or "")
    assert change.name.lower() == row.name.lower()
    assert shown(change.before) == row.before
    assert shown(change.after) == row.after
    assert change.reason
    assert plan.unmanaged == ()


def test_converged_state_has_no_change_finding_or_unmanaged_item() -> None:
    desired = base_state(prune=True)
    plan = diff(desired, observed_from(desired))
    assert plan.to_json()["summary"] == {
        "create": 0, "update": 0, "delete": 0, "errors": 0, "warnings": 0,
    }  # fmt: skip
    assert plan.changes == () and plan.findings == () and plan.unmanaged == ()


def test_case_only_differences_are_not_drift() -> None:
    desired = base_state(prune=True)
    observed = observed_from(desired, swap_case=True)
    # Reviewers in a different order too: GitHub returns them as it likes.
    prod = _env(observed, "PROD")
    observed = replace_environment(
        observed, REPO, "prod", reviewers=tuple(reversed(prod.reviewers))
    )
    assert observed.repositories[REPO.lower()].full_name != REPO
    assert diff(desired, observed) == diff(desired, observed_from(desired))
    assert diff(desired, observed).changes == ()


def test_github_empty_rule_representation_is_not_drift() -> None:
    # No wait_timer rule reads as 0, no required_reviewers rule as no reviewers;
    # prevent_self_review without reviewers means nothing.
    desired = base_state()
    observed = replace_environment(observed_from(desired), REPO, "dev", prevent_self_review=True)
    assert diff(desired, observed).changes == ()


def test_environment_missing_creates_it_with_everything_inside() -> None:
    desired = base_state()
    observed = observed_from(desired)
    envs = {k: v for k, v in observed.repositories[REPO.lower()].environments.items()
            if k != "prod"}  # fmt: skip
    plan = diff(desired, replace_repository(observed, REPO, environments=envs))

    got = {(c.action, c.resource, c.name) for c in plan.changes}
    assert got == {
        (Action.CREATE, Resource.ENVIRONMENT, "prod"),
        (Action.CREATE, Resource.VARIABLE, "AWS_DEPLOYER_ROLE_ARN"),
        (Action.CREATE, Resource.VARIABLE, "EXTRA_FLAG"),
        (Action.CREATE, Resource.VARIABLE, "DB_HOST"),
        (Action.CREATE, Resource.SECRET, "DEPLOY_KEY"),
        (Action.CREATE, Resource.BRANCH_POLICY, "branch:main"),
        (Action.CREATE, Resource.BRANCH_POLICY, "tag:v*"),
    }
    env_change = plan.changes[0]
    assert env_change.resource is Resource.ENVIRONMENT
    assert env_change.before is None
    assert shown(env_change.after) == {
        "reviewers": ["team:platform-approvers", "user:octocat"],
        "prevent_self_review": True,
        "wait_timer": 5,
        "admins_bypass": False,
        "deployment_branch_policy": "custom",
    }
    assert env_change.reason == "missing"
    assert len({c.id for c in plan.changes}) == len(plan.changes)


def test_environment_update_reports_only_differing_fields_with_reason() -> None:
    desired = base_state()
    observed = replace_environment(
        observed_from(desired), REPO, "prod", wait_timer=0, branch_policy="all",
        branch_policies=(),
    )  # fmt: skip
    plan = diff(desired, observed)
    env_changes = [c for c in plan.changes if c.resource is Resource.ENVIRONMENT]
    assert len(env_changes) == 1
    assert shown(env_changes[0].before) == {"wait_timer": 0, "deployment_branch_policy": "all"}
    assert shown(env_changes[0].after) == {"wait_timer": 5, "deployment_branch_policy": "custom"}
    assert env_changes[0].reason == "wait_timer 0 → 5; deployment_branch_policy all → custom"
    # The wanted patterns are created once the policy type is custom.
    assert {c.name for c in plan.changes if c.resource is Resource.BRANCH_POLICY} == {
        "branch:main", "tag:v*",
    }  # fmt: skip


def test_switching_custom_to_all_does_not_list_the_live_policies() -> None:
    desired = replace_desired_environment(base_state(prune=True), "prod", branch_patterns=None)
    plan = diff(desired, observed_from(base_state()))
    assert [(c.resource, shown(c.before), shown(c.after)) for c in plan.changes] == [
        (Resource.ENVIRONMENT, {"deployment_branch_policy": "custom"},
         {"deployment_branch_policy": "all"}),
    ]  # fmt: skip
    assert plan.unmanaged == ()


def test_unreadable_ssm_parameter_gives_no_change() -> None:
    desired = base_state()
    observed = observed_from(desired)
    observed = replace(observed, aws=replace(observed.aws, parameter_values={}))
    variables = {k: v for k, v in _prod(observed).variables.items() if k != "DB_HOST"}
    observed = replace_environment(observed, REPO, "prod", variables=variables)
    assert diff(desired, observed).changes == ()


@pytest.mark.parametrize(
    "unreadable",
    [
        {"unavailable": "no usable AWS credentials"},
        {"unreadable_accounts": frozenset({"333333333333"})},
    ],
    ids=["AWS unavailable", "account unreadable"],
)
def test_ssm_value_aws_could_not_give_is_unknown(unreadable: dict[str, Any]) -> None:
    desired = base_state()
    observed = observed_from(desired)
    observed = replace(observed, aws=replace(observed.aws, parameter_values={}, **unreadable))
    # Present on GitHub: cannot be judged, so no change.
    assert diff(desired, observed).changes == ()
    variables = {k: v for k, v in _prod(observed).variables.items() if k != "DB_HOST"}
    observed = replace_environment(observed, REPO, "prod", variables=variables)
    (change,) = diff(desired, observed).changes
    assert (change.action, change.name) == (Action.CREATE, "DB_HOST")
    assert change.after == VariablePayload(
        AWS_UNREADABLE, "ssm_parameter:/app/db-host@333333333333"
    )


def test_env_secret_source_is_checked_for_presence_only() -> None:
    from reconciler.model.desired import DesiredSecret, EnvSecretSource

    secret = DesiredSecret("TOKEN", EnvSecretSource("TOKEN"))
    desired = replace_desired_environment(base_state(), "dev", secrets={"TOKEN": secret})
    observed = observed_from(desired)
    assert diff(desired, observed).changes == ()
    gone = replace_environment(observed, REPO, "dev", secrets={})
    assert [(c.action, c.name) for c in diff(desired, gone).changes] == [(Action.CREATE, "TOKEN")]


def test_secret_time_comparison_tolerates_naive_timestamps() -> None:
    desired = base_state()
    observed = observed_from(desired)
    naive = SECRET_WRITTEN_AT.replace(tzinfo=None)
    secrets = {"DEPLOY_KEY": ObservedSecret("DEPLOY_KEY", naive)}
    observed = replace_environment(observed, REPO, "prod", secrets=secrets)
    assert diff(desired, observed).changes == ()
    changed = {"aws_secret:app/key": naive + timedelta(minutes=1)}
    rotated = replace(observed, aws=replace(observed.aws, source_changed_at=changed))
    assert [c.action for c in diff(desired, rotated).changes] == [Action.UPDATE]


def test_removing_all_reviewers_is_one_update() -> None:
    desired = replace_desired_environment(
        base_state(), "prod", required_approvals=0, reviewers=(), prevent_self_review=False
    )
    plan = diff(desired, observed_from(base_state()))
    assert len(plan.changes) == 1
    assert shown(plan.changes[0].after) == {"reviewers": [], "prevent_self_review": False}


def test_change_ids_are_unique_and_order_is_stable() -> None:
    desired = base_state(prune=True)
    observed = observed_from(desired)
    extra = ObservedBranchPolicy(9, "branch", "release/*")
    prod = _prod(observed)
    observed = replace_environment(
        observed, REPO, "prod", variables={}, secrets={},
        branch_policies=(*prod.branch_policies, extra), wait_timer=0,
    )  # fmt: skip
    observed = replace_repository(observed, REPO, variables={}, secrets={})
    plan = diff(desired, observed)
    ids = [c.id for c in plan.changes]
    assert len(ids) == len(set(ids)) == 8
    assert list(plan.changes) == sorted(plan.changes, key=lambda c: c.sort_key)
    assert diff(desired, observed) == plan


def test_team_reviewer_spelled_differently_is_matched() -> None:
    desired = replace_desired_environment(
        base_state(), "prod", reviewers=(team("Platform-Approvers"), team("SRE"))
    )
    observed = observed_from(desired, swap_case=True)
    assert diff(desired, observed).changes == ()
