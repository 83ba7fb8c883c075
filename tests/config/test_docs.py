"""docs/configuration.md names every key of the model."""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from reconciler.config import Config

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (Annotated, Union, types.UnionType, list, dict):
        return [m for arg in get_args(annotation) for m in _models(arg)]
    return []


def _field_names(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[str]:
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for field in model.model_fields.values():
        for child in _models(field.annotation):
            names |= _field_names(child, seen)
    return names


def test_walk_finds_nested_models() -> None:
    names = _field_names(Config, set())
    # Guards the walk itself: these sit three or four models deep.
    assert {"repository_dispatch", "iam_role", "account", "prevent_self_review"} <= names


def test_every_field_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", text))
    missing = sorted(_field_names(Config, set()) - documented)
    assert missing == [], f"document these keys in {DOCS.name}: {missing}"


def test_docs_cover_placeholders_and_approvals() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for placeholder in ("{owner}", "{repo}", "{env}", "{account_id}"):
        assert placeholder in text
    assert "4-eyes" in text
    assert "GITHUB_" in text
