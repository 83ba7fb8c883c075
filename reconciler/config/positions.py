"""Where each value of the file sits, and how to name it in a sentence.

A path is the tuple of mapping keys and list indexes from the root, the same
shape as a pydantic error location, so validation errors map back to lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

Path_ = tuple[str | int, ...]
T = TypeVar("T")


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


ORIGIN = Position(1, 1)


@dataclass
class SourceMap:
    """Positions of keys and values by path; the root's key is the file start."""

    keys: dict[Path_, Position] = field(default_factory=dict)
    values: dict[Path_, Position] = field(default_factory=dict)
    # The scalar text as written, for messages that must quote the user
    # (an unquoted account id loses leading zeros once it is an int).
    raw: dict[Path_, str] = field(default_factory=dict)

    def key(self, path: Path_) -> Position:
        """The key that introduces `path`, or the nearest enclosing one."""
        for end in range(len(path), -1, -1):
            found = self.keys.get(path[:end])
            if found is not None:
                return found
        return ORIGIN

    def rename(self, old: Path_, new: Path_) -> None:
        """Positions under `old` also under `new` (a misspelt key read as meant)."""
        _copy_under(self.keys, old, new)
        _copy_under(self.values, old, new)
        _copy_under(self.raw, old, new)

    def value(self, path: Path_) -> Position:
        """The value at `path`, or the nearest enclosing one."""
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end]) or self.keys.get(path[:end])
            if found is not None:
                return found
        return ORIGIN


def _copy_under(table: dict[Path_, T], old: Path_, new: Path_) -> None:
    for path in [p for p in table if p[: len(old)] == old]:
        table[(*new, *path[len(old) :])] = table[path]


# Collections whose keys are names of things; a key under one is described as
# that thing ("environment 'prod'") rather than as a field.
_ENTITY = {
    "environments": "environment",
    "repositories": "repository",
    "variables": "variable",
    "secrets": "secret",
}
ENTITY_COLLECTIONS = frozenset(_ENTITY)


def describe(path: Path_) -> str:
    """A noun phrase for the value at `path`, e.g. "'wait_timer' in environment 'prod'"."""
    entities: list[str] = []
    fields: list[str] = []
    index: int | None = None
    pending: str | None = None
    for seg in path:
        if pending is not None and isinstance(seg, str):
            entities.append(f"{pending} '{seg}'")
            fields, pending = [], None
            continue
        pending = None
        if isinstance(seg, int):
            index = seg
            continue
        if seg == "accounts" and fields == ["aws"]:
            pending, fields = "'aws.accounts' entry", []
            continue
        if seg in _ENTITY:
            pending = _ENTITY[seg]
        fields.append(seg)
    head = f"'{'.'.join(fields)}'" if fields else ""
    if head and index is not None:
        head = f"entry {index + 1} of {head}"
    parts = ([head] if head else []) + list(reversed(entities))
    if not parts:
        return "the top level"
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} in {' of '.join(parts[1:])}"
