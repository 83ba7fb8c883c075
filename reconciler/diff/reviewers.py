"""Reviewer checks: identities, the 4-eyes rule, and repository access."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.diff.collector import Collector
from reconciler.model.desired import DesiredEnvironment, DesiredState, Reviewer
from reconciler.model.findings import Code
from reconciler.model.observed import Access, Identities, Unverified
from reconciler.model.payloads import EnvironmentSettings
from reconciler.model.plan import Action, Finding, Plan, Resource, Severity


def reviewer_findings(
    out: Collector, repository: str, env: DesiredEnvironment, identities: Identities
) -> None:
    for reviewer in env.reviewers:
        folded = reviewer.name.lower()
        if reviewer.kind == "team":
            if folded not in identities.teams:
                out.finding(
                    Severity.ERROR,
                    Code.UNKNOWN_TEAM,
                    f"reviewer {reviewer} is not a team visible to reconcile; check the slug "
                    "and that the token may read the organisation's teams",
                    repository,
                    env.name,
                )
        elif folded not in identities.users:
            out.finding(
                Severity.ERROR,
                Code.UNKNOWN_USER,
                f"reviewer {reviewer} is not a GitHub user",
                repository,
                env.name,
            )
    people = identities.people(env.reviewers)
    if env.required_approvals >= 2 and len(people) < 2:
        out.finding(
            Severity.ERROR,
            Code.FOUR_EYES_TOO_FEW_PEOPLE,
            f"required_approvals: 2 needs two distinct people, but the reviewers of "
            f"{env.name} resolve to {len(people)} ({', '.join(sorted(people)) or 'nobody'})",
            repository,
            env.name,
        )


def reviewers_to_check(plan: Plan, desired: DesiredState) -> set[tuple[str, Reviewer]]:
    """Reviewers the plan would add, as (repository full name, reviewer).

    GitHub drops a reviewer without access to the repository without saying
    so; the caller checks access for these before any write.
    """
    repos = {r.full_name.lower(): r for r in desired.repositories}
    wanted: set[tuple[str, Reviewer]] = set()
    for change in plan.changes:
        if change.resource is not Resource.ENVIRONMENT or change.environment is None:
            continue
        if change.action is Action.DELETE:
            continue
        repo = repos.get(change.repository.lower())
        env = repo.environment(change.environment) if repo is not None else None
        if repo is None or env is None:
            continue
        if change.action is Action.UPDATE:
            after, before = change.after, change.before
            if not isinstance(after, EnvironmentSettings) or after.reviewers is None:
                continue
            was = before.reviewers if isinstance(before, EnvironmentSettings) else None
            known = {r.lower() for r in was or ()}
        else:
            known = set()
        wanted.update((repo.full_name, r) for r in env.reviewers if r.key not in known)
    return wanted


def access_findings(checks: Mapping[tuple[str, str], Access]) -> list[Finding]:
    """For the (repository full name, reviewer key) pairs: an error where the
    reviewer lacks access, a warning where these credentials could not tell."""
    found: list[Finding] = []
    for (repository, key), access in sorted(checks.items()):
        if isinstance(access, Unverified):
            found.append(
                Finding(
                    Severity.WARNING,
                    Code.REVIEWER_ACCESS_UNVERIFIED,
                    f"cannot verify that reviewer {key} has access to {repository} with these "
                    f"credentials (GitHub: {access.reason}); apply, which needs write access, "
                    "verifies it before writing",
                    repository,
                )
            )
        elif not access:
            found.append(
                Finding(
                    Severity.ERROR,
                    Code.REVIEWER_NO_ACCESS,
                    f"reviewer {key} has no access to {repository}; GitHub would silently drop "
                    "it from the required reviewers — grant it at least read access first",
                    repository,
                )
            )
    return found
