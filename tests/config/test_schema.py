"""The JSON Schema: generated from the model, valid draft 2020-12, accepts good files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from reconciler.config import json_schema

ROOT = Path(__file__).resolve().parents[2]
GOOD = sorted((ROOT / "tests" / "data" / "good").glob("*.yaml"))


def _plain(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_header() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "environments.yaml" in schema["title"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"version", "github", "repositories"}


def test_every_property_has_a_description() -> None:
    schema = json_schema()
    missing: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                if not prop.get("description"):
                    missing.append(f"{where}.{name}")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(schema, "#")
    assert missing == []


@pytest.mark.parametrize("path", [ROOT / "environments.yaml", *GOOD], ids=lambda p: p.name)
def test_schema_accepts_good_files(path: Path) -> None:
    errors = [e.message for e in _validator().iter_errors(_plain(path))]
    assert errors == []


@pytest.mark.parametrize(
    "patch",
    [
        {"colour": "blue"},
        {"version": 2},
        {"environments": {"dev": {"reviewers": []}}},
        {"aws": {"accounts": {"dev": "123"}}},
        {"variables": {"X": {"iam_role": "a", "role": "b"}}},
        {"environments": {"dev": {"required_approvals": 0, "deployment_branches": "main"}}},
    ],
)
def test_schema_rejects_bad_shapes(patch: dict[str, Any]) -> None:
    document = {"version": 1, "github": {"owner": "o"}, "repositories": {"r": {}}, **patch}
    assert list(_validator().iter_errors(document)) != []


def test_committed_schema_file_is_current() -> None:
    committed = json.loads((ROOT / "environments.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "regenerate: reconcile schema > environments.schema.json"
