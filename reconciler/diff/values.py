"""Variables and secrets, at environment or repository level."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from reconciler.model.payloads import (
    Payload,
    SecretSourcePayload,
    SecretStatePayload,
    VariablePayload,
)
from reconciler.model.plan import AWS_UNREADABLE, Change, Resource

T = TypeVar("T")
W = TypeVar("W")  # an item as the file wants it
L = TypeVar("L")  # an item as GitHub holds it


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


def _compare(
    out: Collector,
    repository: str,
    environment: str | None,
    *,
    resource: Resource,
    desired: Mapping[str, W],
    observed: Mapping[str, L] | None,
    missing: Callable[[W], Payload | None],
    drifted: Callable[[W, L], tuple[Payload, Payload, str] | None],
    shown: Callable[[L], Payload],
) -> None:
    """The one walk of a set of named items: a create for each `missing` payload, an
    update for each `drifted` (before, after, reason), the live rest undeclared."""
    live = _folded(observed or {})
    for name, wanted in desired.items():
        current = live.get(name.lower())
        if current is None:
            after = missing(wanted)
            if after is not None:
                out.add(
                    Change.create(
                        resource,
                        repository=repository,
                        environment=environment,
                        name=name,
                        after=after,
                    )
                )
        elif (drift := drifted(wanted, current[1])) is not None:
            before, after, reason = drift
            out.add(
                Change.update(
                    resource,
                    repository=repository,
                    environment=environment,
                    name=name,
                    before=before,
                    after=after,
                    reason=reason,
                )
            )
    declared = {n.lower() for n in desired}
    for folded, (name, item) in sorted(live.items()):
        if folded not in declared:
            out.undeclared(resource, repository, environment, name, shown(item))


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

    def missing(value: VariableValue) -> VariablePayload | None:
        wanted = resolve_variable(value, aws)
        if wanted is None:
            return None  # the AWS finding already says why the value is unknown
        # A value AWS could not give: missing is still drift, shown with its source.
        if wanted == AWS_UNREADABLE and not isinstance(value, str):
            return VariablePayload(wanted, value.describe())
        return VariablePayload(wanted)

    def drifted(
        value: VariableValue, current: ObservedVariable
    ) -> tuple[Payload, Payload, str] | None:
        wanted = resolve_variable(value, aws)
        # A present value AWS could not give cannot be judged.
        if (
            wanted is None
            or wanted == current.value
            or (wanted == AWS_UNREADABLE and not isinstance(value, str))
        ):
            return None
        return VariablePayload(current.value), VariablePayload(wanted), "value differs"

    resource = Resource.VARIABLE if environment is not None else Resource.REPOSITORY_VARIABLE
    _compare(
        out,
        repository,
        environment,
        resource=resource,
        desired=desired,
        observed=observed,
        missing=missing,
        drifted=drifted,
        shown=lambda variable: VariablePayload(variable.value),
    )


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

    def drifted(
        secret: DesiredSecret, current: ObservedSecret
    ) -> tuple[Payload, Payload, str] | None:
        rotated = _rotated_at(secret, current, aws)
        if rotated is None:
            return None
        reason = f"source changed {rotated.isoformat()}, after GitHub's updated_at"
        return SecretStatePayload(_updated_at(current)), SecretSourcePayload(secret.source), reason

    resource = Resource.SECRET if environment is not None else Resource.REPOSITORY_SECRET
    _compare(
        out,
        repository,
        environment,
        resource=resource,
        desired=desired,
        observed=observed,
        missing=lambda secret: SecretSourcePayload(secret.source),
        drifted=drifted,
        shown=lambda secret: SecretStatePayload(_updated_at(secret)),
    )
