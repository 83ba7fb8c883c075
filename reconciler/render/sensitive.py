"""The last guard before output: secret changes show no value, whatever the plan holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reconciler.model.plan import SENSITIVE, Change, Plan, Resource

SECRET_RESOURCES = frozenset({Resource.SECRET, Resource.REPOSITORY_SECRET})


def _mask(side: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if side is None or "value" not in side:
        return side
    return {**side, "value": SENSITIVE}


def masked_change(change: Change) -> Change:
    if change.resource not in SECRET_RESOURCES:
        return change
    # A plan read back from a file is not trusted to have been masked.
    return replace(change, before=_mask(change.before), after=_mask(change.after))


def masked(plan: Plan) -> Plan:
    return replace(plan, changes=tuple(masked_change(c) for c in plan.changes))
