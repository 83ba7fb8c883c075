"""A validated Config as the DesiredState: repositories x environments, merged.

Pure: no I/O. Assumes `reconciler.config.semantics` accepted the config, so
every AWS reference has an account and every placeholder can be filled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from reconciler.config import name_rules
from reconciler.config.file_model import (
    Config,
    EnvironmentOverride,
    RepositorySecret,
    SecretBase,
    SharedEnvironment,
)
from reconciler.config.value_model import VariableRef
from reconciler.errors import InvariantError
from reconciler.model.desired import (
    AwsAccess,
    AwsSecretSource,
    BranchPattern,
    DesiredEnvironment,
    DesiredRepository,
    DesiredSecret,
    DesiredState,
    DispatchCheck,
    EnvSecretSource,
    IamRoleRef,
    Reviewer,
    SecretSource,
    SsmParameterRef,
    SsmSecretSource,
    VariableValue,
)

_Layer = SharedEnvironment | EnvironmentOverride
_T = TypeVar("_T")


def expand(config: Config) -> DesiredState:
    owner = config.github.owner
    accounts = dict(config.aws.accounts) if config.aws else {}
    folded_accounts = {name.lower(): account for name, account in accounts.items()}
    repositories = tuple(
        _repository(config, owner, name, folded_accounts) for name in config.repositories
    )
    aws = (
        AwsAccess(region=config.aws.region, read_role=config.aws.read_role, accounts=accounts)
        if config.aws
        else None
    )
    return DesiredState(owner=owner, repositories=repositories, prune=config.prune, aws=aws)


def _repository(
    config: Config, owner: str, name: str, accounts: Mapping[str, str]
) -> DesiredRepository:
    settings = config.repositories[name]
    overrides = {env.lower(): (env, layer) for env, layer in settings.environments.items()}
    environments: list[DesiredEnvironment] = []
    for env_name, shared in config.environments.items():
        own = overrides.pop(env_name.lower(), None)
        layers: list[_Layer] = [shared] if own is None else [shared, own[1]]
        environments.append(_environment(config, owner, name, env_name, layers, accounts))
    # What is left are environments of this repository alone, in file order.
    for env_name, layer in overrides.values():
        environments.append(_environment(config, owner, name, env_name, [layer], accounts))
    values = {"owner": owner, "repo": name}
    variables = {
        key: name_rules.fill(value, values)
        for key, value in settings.variables.items()
        if isinstance(value, str)
    }
    secrets = {
        key: _repository_secret(key, secret, owner, values, accounts)
        for key, secret in settings.secrets.items()
    }
    return DesiredRepository(
        owner=owner,
        name=name,
        environments=tuple(environments),
        variables=variables,
        secrets=secrets,
    )


def _environment(  # noqa: PLR0917 - the environment's full context
    config: Config,
    owner: str,
    repo: str,
    name: str,
    layers: list[_Layer],
    accounts: Mapping[str, str],
) -> DesiredEnvironment:
    account = accounts.get(name.lower())
    values = {"owner": owner, "repo": repo, "env": name}
    if account is not None:
        values["account_id"] = account

    approvals = _last(layers, lambda layer: layer.required_approvals)
    if approvals is None:
        raise InvariantError(f"environment {name} of {repo} has no required_approvals")
    reviewers = _last(layers, lambda layer: layer.reviewers) or []
    self_review = _last(layers, lambda layer: layer.prevent_self_review)
    bypass = _last(layers, lambda layer: layer.admins_bypass)
    if bypass is None and approvals >= 1:
        # GitHub's own default is true: an administrator could skip the review.
        bypass = False
    branches = _last(layers, lambda layer: layer.deployment_branches)
    tags = _last(layers, lambda layer: layer.deployment_tags)
    # Validation let `protected` through with no tag pattern beside it.
    protected = branches == name_rules.PROTECTED_BRANCHES
    patterns: tuple[BranchPattern, ...] | None = None
    if not protected and (branches is not None or tags is not None):
        patterns = tuple(BranchPattern("branch", p) for p in branches or ()) + tuple(
            BranchPattern("tag", p) for p in tags or ()
        )

    variables: dict[str, VariableValue] = {}
    for scope in [config.variables, *(layer.variables for layer in layers)]:
        for key, value in scope.items():
            variables[key] = _variable(value, values, account)
    secrets: dict[str, DesiredSecret] = {}
    for layer in layers:
        for key, secret in layer.secrets.items():
            secrets[key] = DesiredSecret(
                name=key,
                source=_source(secret, values, account),
                check=_check(secret, owner),
            )
    return DesiredEnvironment(
        name=name,
        required_approvals=approvals,
        reviewers=tuple(_reviewer(entry) for entry in reviewers),
        prevent_self_review=self_review if self_review is not None else approvals == 2,
        wait_timer=_last(layers, lambda layer: layer.wait_timer) or 0,
        branch_patterns=patterns,
        variables=variables,
        secrets=secrets,
        account_id=account,
        admins_bypass=bypass,
        protected_branches=protected,
    )


def _last(layers: list[_Layer], get: Callable[[_Layer], _T | None]) -> _T | None:
    """Scalars and lists replace: the last layer that gives the key wins."""
    found: _T | None = None
    for layer in layers:
        value = get(layer)
        if value is not None:
            found = value
    return found


def _variable(
    value: str | VariableRef, values: Mapping[str, str], account: str | None
) -> VariableValue:
    if isinstance(value, str):
        return name_rules.fill(value, values)
    if account is None:
        raise InvariantError("a variable refers to AWS in an environment without an account")
    if value.iam_role is not None:
        return IamRoleRef(
            role_name=name_rules.fill(value.iam_role, values),
            account_id=account,
            also_trusted=tuple(value.also_trusted or ()),
        )
    if value.ssm_parameter is None:
        raise InvariantError("a variable reference names neither iam_role nor ssm_parameter")
    return SsmParameterRef(path=name_rules.fill(value.ssm_parameter, values), account_id=account)


def _source(secret: SecretBase, values: Mapping[str, str], account: str | None) -> SecretSource:
    if secret.aws_secret is not None:
        return AwsSecretSource(
            secret_id=name_rules.fill(secret.aws_secret, values), account_id=account
        )
    if secret.ssm_parameter is not None:
        return SsmSecretSource(
            path=name_rules.fill(secret.ssm_parameter, values), account_id=account
        )
    if secret.env is None:
        raise InvariantError("a secret names no source")
    return EnvSecretSource(variable=secret.env)


def _repository_secret(
    name: str,
    secret: RepositorySecret,
    owner: str,
    base: Mapping[str, str],
    accounts: Mapping[str, str],
) -> DesiredSecret:
    values = dict(base)
    account = accounts.get(secret.account.lower()) if secret.account else None
    if account is not None:
        values["account_id"] = account
    return DesiredSecret(
        name=name, source=_source(secret, values, account), check=_check(secret, owner)
    )


def _check(secret: SecretBase, owner: str) -> DispatchCheck | None:
    if secret.check is None:
        return None
    repo = secret.check.repository_dispatch.rpartition("/")[2]
    return DispatchCheck(
        repository=f"{owner}/{repo}", expiry_warning_days=secret.check.expiry_warning_days
    )


def _reviewer(entry: str) -> Reviewer:
    parsed = name_rules.parse_reviewer(entry)
    if parsed is None:
        raise InvariantError(f"reviewer {entry!r} passed validation but is malformed")
    kind, name = parsed
    return Reviewer(kind="team" if kind == "team" else "user", name=name)
