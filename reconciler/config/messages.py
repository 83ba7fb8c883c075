"""pydantic's validation errors as one plain sentence at a file position."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from reconciler.config.errors import ConfigError
from reconciler.config.model import Config
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


def first_error(file: str, error: ValidationError, positions: SourceMap) -> ConfigError:
    """The problem that comes first in the file, as a ConfigError."""
    found = [_translate(detail, positions) for detail in error.errors(include_url=False)]
    position, message = min(found, key=lambda item: (item[0].line, item[0].column))
    return ConfigError(file, position.line, position.column, message)


def where(path: Path_) -> str:
    return "at the top level" if not path else f"in {describe(path)}"


def _translate(detail: ErrorDetails, positions: SourceMap) -> tuple[Position, str]:
    raw_loc = tuple(detail["loc"])
    # Union members appear in locations as tags like "<ref>"; the file has no such key.
    loc = tuple(s for s in raw_loc if not (isinstance(s, str) and s.startswith("<")))
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
