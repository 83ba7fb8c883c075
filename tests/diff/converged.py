"""`observed_from(desired)`: the live state that exactly matches a desired state.

Reusable by any test that needs a converged GitHub/AWS picture: start from
it, then change one thing. GitHub's own spelling habits are applied (variable
and secret names upper case) so case folding is exercised for free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from reconciler.model.desired import (
    DesiredEnvironment,
    DesiredSecret,
    DesiredState,
    EnvSecretSource,
    Reviewer,
    SsmParameterRef,
    VariableValue,
)
from reconciler.model.observed import (
    AwsFacts,
    Identities,
    ObservedBranchPolicy,
    ObservedEnvironment,
    ObservedRepository,
    ObservedReviewer,
    ObservedSecret,
    ObservedState,
    ObservedVariable,
    TeamInfo,
    UserInfo,
)

SECRET_WRITTEN_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SOURCE_CHANGED_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def ssm_value(ref: SsmParameterRef) -> str:
    return f"ssm-value-of:{ref.path}"


def team_members(slug: str) -> tuple[str, ...]:
    return (f"{slug}-alice", f"{slug}-bob")


def _value(value: VariableValue) -> str:
    if isinstance(value, SsmParameterRef):
        return ssm_value(value)
    if isinstance(value, str):
        return value
    return value.arn


def _variables(items: Mapping[str, VariableValue]) -> dict[str, ObservedVariable]:
    return {n.upper(): ObservedVariable(n.upper(), _value(v)) for n, v in items.items()}


def _secrets(items: Mapping[str, DesiredSecret]) -> dict[str, ObservedSecret]:
    return {n.upper(): ObservedSecret(n.upper(), SECRET_WRITTEN_AT) for n in items}


def _ids(name: str) -> int:
    # Stable small ids: hash() is salted per process, which would vary per worker.
    return sum(ord(c) for c in name) + 1000


def _environment(env: DesiredEnvironment, spell: Callable[[str], str]) -> ObservedEnvironment:
    return ObservedEnvironment(
        name=spell(env.name),
        reviewers=tuple(
            ObservedReviewer(r.kind, _ids(r.name), spell(r.name)) for r in env.reviewers
        ),
        prevent_self_review=env.prevent_self_review,
        wait_timer=env.wait_timer,
        # Not managed: GitHub's default for a new environment.
        can_admins_bypass=True if env.admins_bypass is None else env.admins_bypass,
        branch_policy=env.branch_policy,
        branch_policies=tuple(
            ObservedBranchPolicy(i + 1, p.type, p.pattern)
            for i, p in enumerate(env.branch_patterns or ())
        ),
        variables=_variables(env.variables),
        secrets=_secrets(env.secrets),
    )


def _identities(reviewers: Iterable[Reviewer]) -> Identities:
    teams: dict[str, TeamInfo] = {}
    users: dict[str, UserInfo] = {}
    for r in reviewers:
        if r.kind == "team":
            teams[r.name.lower()] = TeamInfo(r.name, _ids(r.name), team_members(r.name))
        else:
            users[r.name.lower()] = UserInfo(r.name, _ids(r.name))
    return Identities(teams=teams, users=users)


def _aws(desired: DesiredState) -> AwsFacts:
    parameters: dict[str, str] = {}
    changed: dict[str, datetime | None] = {}
    for repo in desired.repositories:
        scopes = [(repo.variables, repo.secrets)] + [
            (e.variables, e.secrets) for e in repo.environments
        ]
        for variables, secrets in scopes:
            for value in variables.values():
                if isinstance(value, SsmParameterRef):
                    parameters[value.describe()] = ssm_value(value)
            for secret in secrets.values():
                if not isinstance(secret.source, EnvSecretSource):
                    changed[secret.source.describe()] = SOURCE_CHANGED_AT
    return AwsFacts(parameter_values=parameters, source_changed_at=changed)


def observed_from(desired: DesiredState, *, swap_case: bool = False) -> ObservedState:
    """The converged live state; `swap_case` respells every name GitHub folds."""
    spell: Callable[[str], str] = str.swapcase if swap_case else str
    repositories = {}
    for repo in desired.repositories:
        full_name = spell(repo.full_name)
        environments = {spell(e.name): _environment(e, spell) for e in repo.environments}
        repositories[full_name.lower()] = ObservedRepository(
            full_name=full_name,
            environments=environments,
            variables=_variables(repo.variables),
            secrets=_secrets(repo.secrets),
        )
    reviewers = [r for repo in desired.repositories for e in repo.environments for r in e.reviewers]
    return ObservedState(
        repositories=repositories, identities=_identities(reviewers), aws=_aws(desired)
    )


def replace_environment(
    observed: ObservedState, repository: str, environment: str, **changes: object
) -> ObservedState:
    """A copy of `observed` with fields of one live environment replaced."""
    repo = observed.repositories[repository.lower()]
    envs = dict(repo.environments)
    key = next(k for k in envs if k.lower() == environment.lower())
    envs[key] = replace(envs[key], **changes)  # type: ignore[arg-type]
    return replace_repository(observed, repository, environments=envs)


def replace_repository(
    observed: ObservedState, repository: str, **changes: object
) -> ObservedState:
    repos = dict(observed.repositories)
    repos[repository.lower()] = replace(repos[repository.lower()], **changes)  # type: ignore[arg-type]
    return replace(observed, repositories=repos)
