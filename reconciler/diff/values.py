"""Variables and secrets, at environment or repository level."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TypeVar

from reconciler.diff.collector import Collector
from reconciler.model.desired import (
    DesiredSecret,
    EnvSecretSource,
    IamRoleRef,
    SsmParameterRef,
    VariableValue,
)
from reconciler.model.observed import AwsFacts, ObservedSecret, ObservedVariable
from reconciler.model.payloads import SecretSourcePayload, SecretStatePayload, VariablePayload
from reconciler.model.plan import AWS_UNREADABLE, Change, Resource

T = TypeVar("T")


def resolve_variable(value: VariableValue, aws: AwsFacts) -> str | None:
    """The string GitHub should hold; AWS_UNREADABLE when AWS could not be read for it;
    None when AWS was read and had no usable value (a finding says why).

    A role's ARN follows from the file alone (account id and role name), so it
    is known without AWS; only whether the role exists and trusts needs AWS.
    """
    if isinstance(value, IamRoleRef):
        return value.arn
    if isinstance(value, SsmParameterRef):
        found = aws.parameter_values.get(value.describe())
        if found is None and not aws.readable(value.account_id):
            return AWS_UNREADABLE
        return found
    return value


def _folded(items: Mapping[str, T]) -> dict[str, tuple[str, T]]:
    # GitHub upper-cases names; the mapping key is the spelling to show.
    return {name.lower(): (name, item) for name, item in items.items()}


def variables(
    out: Collector,
    repository: str,
    environment: str | None,
    *,
    desired: Mapping[str, VariableValue],
    observed: Mapping[str, ObservedVariable] | None,
    aws: AwsFacts,
) -> None:
    """Drift of one set of variables; `observed` None: its container is being created."""
    resource = Resource.VARIABLE if environment is not None else Resource.REPOSITORY_VARIABLE
    live = _folded(observed or {})
    for name, value in desired.items():
        wanted = resolve_variable(value, aws)
        if wanted is None:
            continue  # the AWS finding already says why the value is unknown
        current = live.get(name.lower())
        # A value AWS could not give: missing is still drift; a present one cannot be judged.
        source = None if isinstance(value, str) else value.describe()
        unknown = wanted == AWS_UNREADABLE and source is not None
        if current is None:
            out.add(
                Change.create(
                    resource,
                    repository=repository,
                    environment=environment,
                    name=name,
                    after=VariablePayload(wanted, source if unknown else None),
                    reason="missing",
                )
            )
        elif not unknown and current[1].value != wanted:
            out.add(
                Change.update(
                    resource,
                    repository=repository,
                    environment=environment,
                    name=name,
                    before=VariablePayload(current[1].value),
                    after=VariablePayload(wanted),
                    reason="value differs",
                )
            )
    declared = {n.lower() for n in desired}
    for folded, (name, variable) in sorted(live.items()):
        if folded not in declared:
            out.undeclared(resource, repository, environment, name, VariablePayload(variable.value))


def _utc(moment: datetime) -> datetime:
    # Adapters may hand over naive UTC times; comparing naive with aware raises.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _rotated_at(secret: DesiredSecret, live: ObservedSecret, aws: AwsFacts) -> datetime | None:
    """When the source changed after GitHub's copy was written, else None."""
    if isinstance(secret.source, EnvSecretSource) or live.updated_at is None:
        return None
    changed = aws.source_changed_at.get(secret.source.describe())
    if changed is None or _utc(changed) <= _utc(live.updated_at):
        return None
    return _utc(changed)


def _updated_at(secret: ObservedSecret) -> str | None:
    return _utc(secret.updated_at).isoformat() if secret.updated_at is not None else None


def secrets(
    out: Collector,
    repository: str,
    environment: str | None,
    *,
    desired: Mapping[str, DesiredSecret],
    observed: Mapping[str, ObservedSecret] | None,
    aws: AwsFacts,
) -> None:
    """Drift of one set of secrets (docs/configuration.md, "Secrets"); no value enters the plan."""
    resource = Resource.SECRET if environment is not None else Resource.REPOSITORY_SECRET
    live = _folded(observed or {})
    for name, secret in desired.items():
        source = secret.source.describe()
        current = live.get(name.lower())
        if current is None:
            out.add(
                Change.create(
                    resource,
                    repository=repository,
                    environment=environment,
                    name=name,
                    after=SecretSourcePayload(source),
                )
            )
            continue
        rotated = _rotated_at(secret, current[1], aws)
        if rotated is not None:
            out.add(
                Change.update(
                    resource,
                    repository=repository,
                    environment=environment,
                    name=name,
                    before=SecretStatePayload(_updated_at(current[1])),
                    after=SecretSourcePayload(source),
                    reason=f"source changed {rotated.isoformat()}, after GitHub's updated_at",
                )
            )
    declared = {n.lower() for n in desired}
    for folded, (name, live_secret) in sorted(live.items()):
        if folded not in declared:
            before = SecretStatePayload(_updated_at(live_secret))
            out.undeclared(resource, repository, environment, name, before)
