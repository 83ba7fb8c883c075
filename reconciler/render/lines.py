"""Plain-text lines for one change, and how changes group, for the text and markdown renderers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from reconciler.model.plan import (
    AWS_UNREADABLE,
    SECRET_RESOURCES,
    SENSITIVE,
    Action,
    Change,
    Resource,
)

SIGILS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}
ARROW = "→"


def clean(text: str) -> str:
    """Names come from live GitHub state; a control character must not reach a terminal."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def value(item: Any) -> str:
    # JSON quoting escapes control characters and shows types unambiguously.
    return json.dumps(item, ensure_ascii=False)


def by_repository(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    """The changes in the plan's order, in runs of one repository."""
    return [(repo, list(run)) for repo, run in groupby(changes, key=lambda c: c.repository)]


def by_environment(changes: Iterable[Change]) -> list[tuple[str | None, list[Change]]]:
    """One repository's changes in runs of one environment (None: the repository's own)."""
    return [(env, list(run)) for env, run in groupby(changes, key=lambda c: c.environment)]


@dataclass(frozen=True)
class ChangeLines:
    headline: str
    details: tuple[str, ...] = ()


def change_lines(change: Change) -> ChangeLines:
    head = f"{SIGILS[change.action]} {change.resource.value} {clean(change.name)}"
    before = change.before.to_json() if change.before is not None else {}
    after = change.after.to_json() if change.after is not None else {}
    if change.resource in SECRET_RESOURCES:
        return ChangeLines(head + _secret_suffix(change, after))
    if change.resource is Resource.BRANCH_POLICY:
        return ChangeLines(head)
    if after.get("value") == AWS_UNREADABLE:
        return ChangeLines(f"{head}: {AWS_UNREADABLE}{_origin(after)}")
    if set(before) | set(after) == {"value"}:
        return ChangeLines(f"{head}: {_transition(change.action, before, after, 'value')}")
    if change.action is Action.DELETE:
        return ChangeLines(head)
    fields = list(after) + [f for f in before if f not in after]
    return ChangeLines(
        head, tuple(f"{f}: {_transition(change.action, before, after, f)}" for f in fields)
    )


def _transition(action: Action, before: dict[str, Any], after: dict[str, Any], key: str) -> str:
    if action is Action.CREATE:
        return value(after.get(key))
    if action is Action.DELETE:
        return value(before.get(key))
    return f"{value(before.get(key))} {ARROW} {value(after.get(key))}"


def _origin(after: dict[str, Any]) -> str:
    source = after.get("source")
    return f" from {clean(str(source))}" if source else ""


def _secret_suffix(change: Change, after: dict[str, Any]) -> str:
    origin = _origin(after)
    if change.action is Action.CREATE:
        return f": {SENSITIVE}{origin}"
    if change.action is Action.UPDATE:
        return f": {SENSITIVE} {ARROW} {SENSITIVE}{origin} ({clean(change.reason)})"
    return ""
