"""pydantic's validation errors as plain sentences at file positions.

Every error of the file is translated, and each says how the data could be
mended so that the whole-file rules can still run on the rest: a misspelt
key is renamed to the key it resembles, anything else wrong is left out.
"""

from __future__ import annotations

import difflib
import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from reconciler.config.errors import ConfigError
from reconciler.config.file_model import Config
from reconciler.config.positions import Path_, Position, SourceMap, describe

_EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}


# How alike a misspelt key must be to a known one to be suggested (difflib's ratio).
_SUGGEST_CUTOFF = 0.75


@dataclass
class Translated:
    """The errors of one validation, and how to mend the data around them."""

    errors: list[ConfigError] = field(default_factory=list)
    renames: list[tuple[Path_, str, str]] = field(default_factory=list)  # parent, written, meant
    removals: list[Path_] = field(default_factory=list)
    # False when a required key is missing: nothing to rename or leave out mends that.
    mendable: bool = True


def translate(file: str, error: ValidationError, positions: SourceMap) -> Translated:
    """Every problem pydantic found, as ConfigErrors; a misspelt key with a suggestion."""
    result = Translated()
    missing: list[tuple[Path_, ErrorDetails]] = []
    suggested: set[Path_] = set()
    for detail in error.errors(include_url=False):
        loc = _data_loc(detail)
        if detail["type"] == "missing":
            missing.append((loc, detail))
            continue
        if detail["type"] == "extra_forbidden":
            meant = _suggestion(str(loc[-1]), _fields_at(tuple(detail["loc"])[:-1]))
            if meant is not None:
                suggested.add((*loc[:-1], meant))
                at = positions.key(loc)
                result.errors.append(
                    ConfigError(
                        file,
                        at.line,
                        at.column,
                        f"unknown key '{loc[-1]}' {where(loc[:-1])}; did you mean '{meant}'?",
                    )
                )
                result.renames.append((loc[:-1], str(loc[-1]), meant))
                continue
        position, message = _translate(detail, positions)
        result.errors.append(ConfigError(file, position.line, position.column, message))
        result.removals.append(loc)
    for loc, detail in missing:
        if loc in suggested:
            continue  # the misspelt key already names it
        position, message = _translate(detail, positions)
        result.errors.append(ConfigError(file, position.line, position.column, message))
        result.mendable = False
    return result


def _data_loc(detail: ErrorDetails) -> Path_:
    # Union members appear in locations as tags like "<ref>"; the file has no such key.
    return tuple(s for s in detail["loc"] if not (isinstance(s, str) and s.startswith("<")))


def _suggestion(written: str, known: list[str]) -> str | None:
    by_folded = {name.lower(): name for name in known}
    close = difflib.get_close_matches(written.lower(), list(by_folded), n=1, cutoff=_SUGGEST_CUTOFF)
    return by_folded[close[0]] if close else None


def where(path: Path_) -> str:
    return "at the top level" if not path else f"in {describe(path)}"


def _translate(detail: ErrorDetails, positions: SourceMap) -> tuple[Position, str]:
    raw_loc = tuple(detail["loc"])
    loc = _data_loc(detail)
    kind = detail["type"]
    if kind == "extra_forbidden":
        expected = ", ".join(_fields_at(raw_loc[:-1]))
        return positions.key(loc), (
            f"unknown key '{loc[-1]}' {where(loc[:-1])} (expected one of: {expected})"
        )
    if kind == "missing":
        owner = "the file" if len(loc) == 1 else describe(loc[:-1])
        return positions.key(loc[:-1]), f"{owner} is missing the required key '{loc[-1]}'"
    at = positions.value(loc)
    if kind == "account_unquoted":
        raw = positions.raw.get(loc, str(detail["input"]))
        return at, (
            f"account id {raw} for {describe(loc)} is an unquoted number; "
            f'write it in quotes ("{raw}") so YAML keeps it as a 12-digit string'
        )
    if kind in _EXPECTED:
        given = _kind_of(detail["input"])
        hint = " (put it in quotes)" if kind == "string_type" and given == "a number" else ""
        return at, f"{describe(loc)} must be {_EXPECTED[kind]}, not {given}{hint}"
    if kind == "literal_error":
        return at, f"{describe(loc)} must be {detail.get('ctx', {}).get('expected', '')}"
    if kind == "variable_value":
        given = _kind_of(detail["input"])
        hint = " (put it in quotes)" if given in ("a number", "true or false") else ""
        return at, f"{describe(loc)} {detail['msg']}, not {given}{hint}"
    if detail["msg"][:1].islower():
        # Our own PydanticCustomError messages: predicates written for this.
        return at, f"{describe(loc)} {detail['msg']}"
    return at, f"{describe(loc)} is invalid: {detail['msg']}"


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys the model accepts at `loc`, for an "expected one of" hint."""
    current: Any = Config
    for seg in loc:
        current = _step(current, seg)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _step(annotation: Any, seg: Any) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(seg))
        return field.annotation if field is not None else None
    origin = get_origin(annotation)
    if origin is dict:
        return get_args(annotation)[1]
    if origin is list:
        return get_args(annotation)[0]
    if origin in (Union, types.UnionType):
        for member in get_args(annotation):
            tags = [m.tag for m in getattr(member, "__metadata__", ()) if isinstance(m, Tag)]
            if seg in tags:
                return member
    return None
