"""What a change writes, read from its payloads alone; a change that lacks what
its write needs is refused with one line."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import TypeVar

from reconciler.diff.environment import observed_settings
from reconciler.errors import ReconcileError
from reconciler.model.observed import ObservedEnvironment
from reconciler.model.payloads import EnvironmentSettings, Payload, VariablePayload
from reconciler.model.plan import AWS_UNREADABLE, Action, Change

P = TypeVar("P", bound=Payload)


def payload(change: Change, kind: type[P]) -> P:
    """The payload the write needs; a plan file whose change lacks it is refused."""
    if not isinstance(change.after, kind):
        raise ReconcileError(f"change {change.id} has no {kind.__name__} to write")
    return change.after


def environment_settings(
    change: Change, current: ObservedEnvironment | None
) -> EnvironmentSettings:
    """What the environment must hold after the write.

    A create's `after` has every field the file manages. An update's has only
    the fields that differ; the others stay as GitHub held them when the plan
    read it (the diff found them equal), and the admins' bypass, when the update
    does not name it, is left as it is.
    """
    after = payload(change, EnvironmentSettings)
    if change.action is Action.CREATE:
        return after
    if current is None:
        raise ReconcileError(
            f"{change.repository}: environment {change.name!r} to update is not in the "
            "state the plan read"
        )
    changed = {f.name: getattr(after, f.name) for f in fields(after)}
    held = replace(observed_settings(current), admins_bypass=None)
    return replace(held, **{k: v for k, v in changed.items() if v is not None})


def variable_value(change: Change) -> str:
    value = payload(change, VariablePayload).value
    if value == AWS_UNREADABLE:
        # A plan made while AWS was unreadable; the marker must never reach GitHub.
        raise ReconcileError(f"the value of {change.name} is not known: AWS was not readable")
    return value


def environment_of(change: Change) -> str:
    if change.environment is None:
        raise ReconcileError(f"change {change.id} names no environment")
    return change.environment
