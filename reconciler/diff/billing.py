"""Whether GitHub's plan lets a repository have the environments the plan would write.

On private and internal repositories, required reviewers and wait timers need
GitHub Enterprise; GitHub Free has no environments there at all (GitHub's
"Using environments for deployment"). `billing_to_check` names the
repositories to ask about, the caller reads them, and `billing_findings` turns
the answers into error findings, so apply writes nothing to an environment
GitHub would refuse. Where the GitHub plan cannot be seen, nothing is claimed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal

from reconciler.model.desired import DesiredState
from reconciler.model.findings import Code
from reconciler.model.observed import RepositoryBilling, is_enterprise_github_plan
from reconciler.model.plan import Action, Change, Finding, Plan, Resource, Severity

Tier = Literal["no_environments", "no_protection", "everything", "unknown"]

# GitHub Enterprise Cloud organizations report "enterprise"; older accounts "business_plus".


def _environment_writes(plan: Plan) -> Iterator[Change]:
    for change in plan.changes:
        if change.resource is Resource.ENVIRONMENT and change.action is not Action.DELETE:
            yield change


def billing_to_check(plan: Plan) -> set[str]:
    """Repositories (full names) the plan would create or update an environment in."""
    return {change.repository for change in _environment_writes(plan)}


def tier(info: RepositoryBilling) -> Tier:
    if info.visibility == "public":
        return "everything"
    if info.owner_type == "User":
        # Personal accounts have no GitHub Enterprise plan; Free or Pro is not shown.
        return "no_protection"
    if info.github_plan is None:
        return "unknown"
    if is_enterprise_github_plan(info.github_plan):
        return "everything"
    return "no_environments" if info.github_plan.lower() == "free" else "no_protection"


def billing_findings(
    plan: Plan, desired: DesiredState, billing: Mapping[str, RepositoryBilling]
) -> list[Finding]:
    found: list[Finding] = []
    for change in _environment_writes(plan):
        info = billing.get(change.repository.lower())
        repo = desired.repository(change.repository)
        env = repo.environment(change.name) if repo is not None else None
        if info is None or env is None:
            continue
        level = tier(info)
        where = f"{change.repository} is a {info.visibility} repository"
        message: str | None = None
        if level == "no_environments":
            message = (
                f"environment {env.name} cannot be written: {where} of an organization on "
                "GitHub Free, which has no environments on private or internal repositories "
                "(make it public or upgrade the plan)"
            )
        elif level == "no_protection" and (needs := env.enterprise_rules) is not None:
            named = (
                f"the {info.github_plan} plan" if info.github_plan else "a personal account's plan"
            )
            message = (
                f"environment {env.name}: {needs} cannot be enforced on {change.repository} "
                f"on this plan; it is a {info.visibility} repository on {named}, and GitHub "
                "offers required reviewers and wait timers on private and internal "
                "repositories only with GitHub Enterprise (make it public or move the "
                "organization to GitHub Enterprise)"
            )
        if message is not None:
            found.append(
                Finding(
                    Severity.ERROR,
                    Code.PLAN_UNSUPPORTED,
                    message,
                    change.repository,
                    env.name,
                )
            )
    return found
