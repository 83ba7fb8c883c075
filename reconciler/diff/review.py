"""`reconcile diff OLD NEW`: what a change to environments.yaml changes, offline.

The old file's desired state stands in for "live", the new one is desired,
and the ordinary pure diff compares them. Nothing is read from GitHub or AWS,
so AWS-resolved values are compared and shown as their references
(`iam_role:NAME@ACCOUNT`), and a secret changes when its source changes.
The live plan's findings need live facts this command does not have; its
findings are what the edit weakens (`reconciler.diff.weakenings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from itertools import count

from reconciler.diff import diff
from reconciler.diff.weakenings import weakenings
from reconciler.model.desired import (
    DesiredEnvironment,
    DesiredRepository,
    DesiredSecret,
    DesiredState,
    VariableValue,
)
from reconciler.model.observed import (
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
from reconciler.model.payloads import SecretSourcePayload
from reconciler.model.plan import Change, Plan, Resource

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _as_reference(value: VariableValue) -> str:
    return value if isinstance(value, str) else value.describe()


def _references(values: Mapping[str, VariableValue]) -> dict[str, VariableValue]:
    return {name: _as_reference(v) for name, v in values.items()}


def _variables(values: Mapping[str, VariableValue]) -> dict[str, ObservedVariable]:
    return {n.upper(): ObservedVariable(n.upper(), _as_reference(v)) for n, v in values.items()}


def _secrets(secrets: Mapping[str, DesiredSecret]) -> dict[str, ObservedSecret]:
    return {n.upper(): ObservedSecret(n.upper(), _EPOCH) for n in secrets}


def _as_observed(state: DesiredState) -> ObservedState:
    ids = count(1)
    repositories: dict[str, ObservedRepository] = {}
    for repo in state.repositories:
        environments: dict[str, ObservedEnvironment] = {}
        for env in repo.environments:
            reviewers = tuple(ObservedReviewer(r.kind, next(ids), r.name) for r in env.reviewers)
            policies = tuple(
                ObservedBranchPolicy(next(ids), p.type, p.pattern)
                for p in env.branch_patterns or ()
            )
            environments[env.name] = ObservedEnvironment(
                name=env.name,
                reviewers=reviewers,
                prevent_self_review=env.prevent_self_review,
                wait_timer=env.wait_timer,
                branch_policy=env.branch_policy,
                branch_policies=policies,
                variables=_variables(env.variables),
                secrets=_secrets(env.secrets),
                # Not managed by the old file: GitHub keeps its default, true.
                can_admins_bypass=True if env.admins_bypass is None else env.admins_bypass,
            )
        repositories[repo.full_name.lower()] = ObservedRepository(
            full_name=repo.full_name,
            environments=environments,
            variables=_variables(repo.variables),
            secrets=_secrets(repo.secrets),
        )
    return ObservedState(repositories)


def _identities(*states: DesiredState) -> Identities:
    """Every reviewer known, teams with two stand-in members: offline, 4-eyes is not judged."""
    ids = count(1)
    teams: dict[str, TeamInfo] = {}
    users: dict[str, UserInfo] = {}
    for state in states:
        for repo in state.repositories:
            for env in repo.environments:
                for r in env.reviewers:
                    key = r.name.lower()
                    if r.kind == "team" and key not in teams:
                        teams[key] = TeamInfo(r.name, next(ids), (f"{key}-a", f"{key}-b"))
                    elif r.kind == "user" and key not in users:
                        users[key] = UserInfo(r.name, next(ids))
    return Identities(teams, users)


def _with_references(state: DesiredState) -> DesiredState:
    def env(e: DesiredEnvironment) -> DesiredEnvironment:
        return replace(e, variables=_references(e.variables))

    def repo(r: DesiredRepository) -> DesiredRepository:
        return replace(
            r,
            variables=_references(r.variables),
            environments=tuple(env(e) for e in r.environments),
        )

    return replace(state, repositories=tuple(repo(r) for r in state.repositories))


def _source_changes(old: DesiredState, new: DesiredState) -> list[Change]:
    """A secret whose source changed: apply would write it again."""
    changes: list[Change] = []
    for new_repo in new.repositories:
        old_repo = old.repository(new_repo.name)
        if old_repo is None:
            continue
        scopes: list[tuple[str | None, Mapping[str, DesiredSecret], Mapping[str, DesiredSecret]]]
        scopes = [(None, old_repo.secrets, new_repo.secrets)]
        for new_env in new_repo.environments:
            old_env = old_repo.environment(new_env.name)
            if old_env is not None:
                scopes.append((new_env.name, old_env.secrets, new_env.secrets))
        for env_name, old_secrets, new_secrets in scopes:
            folded = {n.lower(): s for n, s in old_secrets.items()}
            for name, secret in new_secrets.items():
                before = folded.get(name.lower())
                if before is None or before.source == secret.source:
                    continue
                changes.append(
                    Change.update(
                        Resource.SECRET if env_name else Resource.REPOSITORY_SECRET,
                        repository=new_repo.full_name,
                        environment=env_name,
                        name=name.upper(),
                        before=SecretSourcePayload(before.source),
                        after=SecretSourcePayload(secret.source),
                        reason="source changed",
                    )
                )
    return changes


def desired_diff(old: DesiredState | None, new: DesiredState) -> Plan:
    """`old` None: the file is new (a pull request that adds it)."""
    if old is None:
        old = replace(new, repositories=(), prune=False)
    observed = _as_observed(old)
    # A repository new to the file is, for review, one with nothing in it yet.
    added = {
        r.full_name.lower(): ObservedRepository(full_name=r.full_name)
        for r in new.repositories
        if observed.repository(r.full_name) is None
    }
    observed = replace(
        observed,
        repositories={**observed.repositories, **added},
        identities=_identities(old, new),
    )
    plan = diff(_with_references(new), observed)
    return Plan.build(
        [*plan.changes, *_source_changes(old, new)],
        weakenings(old, new, new_name=new.source),
        plan.unmanaged,
    )
