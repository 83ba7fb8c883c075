"""Reading one field of a plan file's JSON, with one sentence naming what is wrong.

Shared by the plan (`reconciler.model.plan`) and the payloads it carries
(`reconciler.model.payloads`), so a saved plan is checked one way throughout.
A wrong value is named by its JSON type, never shown: a tampered file must
not bring its text into a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MISSING = object()
_JSON_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


def json_kind(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def json_object(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"{where} is {json_kind(data)}, expected an object")
    return data


def json_field(
    doc: Mapping[str, Any],
    key: str,
    kinds: type | tuple[type, ...],
    where: str,
    default: Any = _MISSING,
) -> Any:
    if key not in doc:
        if default is _MISSING:
            raise ValueError(f"{where} has no {key!r}")
        return default
    value = doc[key]
    wanted = kinds if isinstance(kinds, tuple) else (kinds,)
    if (isinstance(value, bool) and bool not in wanted) or not isinstance(value, wanted):
        expected = " or ".join(dict.fromkeys(_JSON_NAMES[k] for k in wanted))
        raise ValueError(f"{where}.{key} is {json_kind(value)}, expected {expected}")
    return value
