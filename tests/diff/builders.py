"""Small constructors for desired states, with the runbook's shape as the base case."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reconciler.model.desired import (
    AwsSecretSource,
    BranchPattern,
    DesiredEnvironment,
    DesiredRepository,
    DesiredSecret,
    DesiredState,
    IamRoleRef,
    Reviewer,
    SsmParameterRef,
    VariableValue,
)
from reconciler.model.payloads import Payload

OWNER = "Alpha-Swarm-ai"
REPO = f"{OWNER}/alphaswarm_admin"
PROD_ACCOUNT = "333333333333"


def team(slug: str) -> Reviewer:
    return Reviewer("team", slug)


def user(login: str) -> Reviewer:
    return Reviewer("user", login)


def environment(
    name: str,
    *,
    required_approvals: int = 0,
    reviewers: tuple[Reviewer, ...] = (),
    prevent_self_review: bool = False,
    wait_timer: int = 0,
    branch_patterns: tuple[BranchPattern, ...] | None = None,
    variables: Mapping[str, VariableValue] | None = None,
    secrets: Mapping[str, DesiredSecret] | None = None,
    admins_bypass: bool | None = None,
) -> DesiredEnvironment:
    return DesiredEnvironment(
        name=name,
        required_approvals=required_approvals,
        reviewers=reviewers,
        prevent_self_review=prevent_self_review,
        wait_timer=wait_timer,
        branch_patterns=branch_patterns,
        variables=dict(variables or {}),
        secrets=dict(secrets or {}),
        admins_bypass=admins_bypass,
    )


def base_state(*, prune: bool = False) -> DesiredState:
    """One repository, dev (open) and prod (4-eyes, custom branches), values of every kind."""
    dev = environment(
        "dev",
        variables={"AWS_DEPLOYER_ROLE_ARN": IamRoleRef("aqp-gha-apply", "111111111111")},
    )
    prod = environment(
        "prod",
        required_approvals=2,
        reviewers=(team("platform-approvers"), user("octocat")),
        prevent_self_review=True,
        wait_timer=5,
        admins_bypass=False,
        branch_patterns=(BranchPattern("branch", "main"), BranchPattern("tag", "v*")),
        variables={
            "AWS_DEPLOYER_ROLE_ARN": IamRoleRef("aqp-gha-apply", PROD_ACCOUNT),
            "EXTRA_FLAG": "on",
            "DB_HOST": SsmParameterRef("/app/db-host", PROD_ACCOUNT),
        },
        secrets={"DEPLOY_KEY": DesiredSecret("DEPLOY_KEY", AwsSecretSource("app/key", None))},
    )
    repo = DesiredRepository(
        owner=OWNER,
        name="alphaswarm_admin",
        environments=(dev, prod),
        variables={"SERVICE": "admin"},
        secrets={
            "PLATFORM_DISPATCH_TOKEN": DesiredSecret(
                "PLATFORM_DISPATCH_TOKEN",
                AwsSecretSource("alphaswarm/platform-dispatch-token", None),
            )
        },
    )
    return DesiredState(owner=OWNER, repositories=(repo,), prune=prune)


def replace_desired_environment(state: DesiredState, name: str, **changes: object) -> DesiredState:
    repo = state.repositories[0]
    envs = tuple(
        replace(e, **changes) if e.name == name else e  # type: ignore[arg-type]
        for e in repo.environments
    )
    return replace(state, repositories=(replace(repo, environments=envs),))


def replace_desired_repository(state: DesiredState, **changes: object) -> DesiredState:
    repo = replace(state.repositories[0], **changes)  # type: ignore[arg-type]
    return replace(state, repositories=(repo,))


def shown(payload: Payload | None) -> dict[str, Any] | None:
    """A change's before or after as the plan file shows it."""
    return payload.to_json() if payload is not None else None
