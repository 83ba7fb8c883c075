"""`diff(desired, observed) -> Plan`: the pure comparison of config and live state."""

from __future__ import annotations

from reconciler.diff.branch_policies import branch_policies
from reconciler.diff.collector import Collector
from reconciler.diff.environment import (
    environment_deleted_warning,
    environment_settings,
    observed_settings,
    unmanaged_rules,
)
from reconciler.diff.reviewers import reviewer_findings
from reconciler.diff.values import secrets, variables
from reconciler.model.desired import DesiredEnvironment, DesiredRepository, DesiredState
from reconciler.model.findings import Code
from reconciler.model.observed import ObservedRepository, ObservedState
from reconciler.model.plan import Plan, Resource, Severity


def diff(desired: DesiredState, observed: ObservedState) -> Plan:
    """The changes that make GitHub match `desired`, with findings and unmanaged items.

    Pure: no I/O, no clock, no environment. Everything it needs from GitHub
    and AWS is already in `observed`.
    """
    out = Collector(prune=desired.prune, source=desired.source)
    out.findings.extend(observed.aws.findings)
    for template in observed.subjects.values():
        if template.problem is not None:
            out.finding(
                Severity.WARNING,
                Code.OIDC_TEMPLATE_UNREADABLE,
                f"{template.problem}; AWS trusts are judged against GitHub's default subject "
                f"repo:{template.owner}/{template.repo}:environment:ENV, which is wrong if "
                "the template is customised",
                f"{template.owner}/{template.repo}",
            )
    for repo in desired.repositories:
        live = observed.repository(repo.full_name)
        if live is None:
            out.finding(
                Severity.ERROR,
                Code.REPOSITORY_MISSING,
                f"repository {repo.full_name} does not exist or the credentials cannot see it",
                repo.full_name,
            )
            continue
        _repository(out, repo, live, observed)
    return Plan.build(out.changes, out.findings, out.unmanaged)


def _repository(
    out: Collector, repo: DesiredRepository, live: ObservedRepository, observed: ObservedState
) -> None:
    name = repo.full_name
    aws = observed.aws
    variables(out, name, None, desired=repo.variables, observed=live.variables, aws=aws)
    secrets(out, name, None, desired=repo.secrets, observed=live.secrets, aws=aws)
    for env in repo.environments:
        _environment(out, name, env, live, observed)
    declared = {e.name.lower() for e in repo.environments}
    for live_env in sorted(live.environments.values(), key=lambda e: e.name.lower()):
        if live_env.name.lower() in declared:
            continue
        # Its variables, secrets and policies go with it: not listed separately.
        out.undeclared(
            Resource.ENVIRONMENT, name, live_env.name, live_env.name, observed_settings(live_env)
        )
        if out.prune:
            environment_deleted_warning(out, name, live_env)


def _environment(
    out: Collector,
    repository: str,
    env: DesiredEnvironment,
    live_repo: ObservedRepository,
    observed: ObservedState,
) -> None:
    live = live_repo.environment(env.name)
    reviewer_findings(out, repository, env, observed.identities)
    environment_settings(out, repository, env, live)
    if live is not None:
        unmanaged_rules(out, repository, live)
    aws = observed.aws
    live_vars = live.variables if live is not None else None
    live_secrets = live.secrets if live is not None else None
    variables(out, repository, env.name, desired=env.variables, observed=live_vars, aws=aws)
    secrets(out, repository, env.name, desired=env.secrets, observed=live_secrets, aws=aws)
    branch_policies(out, repository, env, live)
