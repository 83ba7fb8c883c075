"""What a desired state asks of AWS, grouped by account (pure; no AWS call).

Each target keeps every place that uses it, so one AWS call answers for all
of them and each finding can still name its repository and environment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from reconciler.model.desired import (
    AwsSecretSource,
    DesiredSecret,
    DesiredState,
    EnvSecretSource,
    IamRoleRef,
    SecretSource,
    SsmParameterRef,
    SsmSecretSource,
    VariableValue,
    parse_role_arn,
    role_arn,
)


@dataclass(frozen=True)
class Usage:
    """One place in the desired state: a variable or secret of a repo/environment."""

    owner: str
    repo: str
    environment: str | None  # None: repository level
    name: str  # the variable or secret name
    required_approvals: int = 0
    # Job contexts beyond the environment that the role is declared to trust
    # (`also_trusted` of an iam_role value), e.g. "pull_request".
    also_trusted: tuple[str, ...] = ()

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def where(self) -> str:
        env = f" environment {self.environment}" if self.environment else ""
        return f"{self.repository}{env} {self.name}"


@dataclass(frozen=True)
class RoleTarget:
    account_id: str
    role_name: str

    @property
    def arn(self) -> str:
        return role_arn(self.account_id, self.role_name)


@dataclass
class AccountTargets:
    """Everything to read in one account (`None`: the caller's own account)."""

    roles: dict[RoleTarget, list[Usage]] = field(default_factory=dict)
    parameters: dict[SsmParameterRef, list[Usage]] = field(default_factory=dict)
    secrets: dict[AwsSecretSource | SsmSecretSource, list[Usage]] = field(default_factory=dict)

    def usages(self) -> Iterator[Usage]:
        for group in (self.roles, self.parameters, self.secrets):
            for uses in group.values():
                yield from uses


@dataclass
class Targets:
    accounts: dict[str | None, AccountTargets] = field(default_factory=dict)
    env_sources: dict[EnvSecretSource, list[Usage]] = field(default_factory=dict)

    def account(self, account_id: str | None) -> AccountTargets:
        return self.accounts.setdefault(account_id, AccountTargets())


def role_from_arn(text: str) -> RoleTarget | None:
    """A literal `arn:aws:iam::<12 digits>:role/[path/]NAME`, else None."""
    arn = parse_role_arn(text.strip())
    return None if arn is None else RoleTarget(arn.account_id, arn.name)


def collect(desired: DesiredState) -> Targets:
    targets = Targets()
    for repo in desired.repositories:
        base = Usage(repo.owner, repo.name, None, "")
        _values(targets, base, repo.variables)
        _secrets(targets, base, repo.secrets)
        for env in repo.environments:
            where = Usage(repo.owner, repo.name, env.name, "", env.required_approvals)
            _values(targets, where, env.variables)
            _secrets(targets, where, env.secrets)
    return targets


def _use(base: Usage, name: str) -> Usage:
    return Usage(base.owner, base.repo, base.environment, name, base.required_approvals)


def repositories_with_roles(desired: DesiredState) -> list[tuple[str, str]]:
    """(owner, name) of repositories whose environments use an IAM role: the ones
    whose OIDC subject template matters."""
    found: dict[str, tuple[str, str]] = {}
    for uses in (u for a in collect(desired).accounts.values() for u in a.roles.values()):
        for use in uses:
            if use.environment is not None:
                found.setdefault(use.repository.lower(), (use.owner, use.repo))
    return list(found.values())


def _values(targets: Targets, base: Usage, values: Mapping[str, VariableValue]) -> None:
    for name, value in values.items():
        use = _use(base, name)
        if isinstance(value, IamRoleRef):
            role = RoleTarget(value.account_id, value.role_name)
            use = replace(use, also_trusted=value.also_trusted)
            targets.account(role.account_id).roles.setdefault(role, []).append(use)
        elif isinstance(value, SsmParameterRef):
            targets.account(value.account_id).parameters.setdefault(value, []).append(use)
        else:
            literal = role_from_arn(value)
            if literal is not None:
                targets.account(literal.account_id).roles.setdefault(literal, []).append(use)


def _secrets(targets: Targets, base: Usage, secrets: Mapping[str, DesiredSecret]) -> None:
    for name, secret in secrets.items():
        use = _use(base, name)
        source: SecretSource = secret.source
        if isinstance(source, EnvSecretSource):
            targets.env_sources.setdefault(source, []).append(use)
        else:
            targets.account(source.account_id).secrets.setdefault(source, []).append(use)
