"""Every workflow is valid against the GitHub workflow schema that check-jsonschema vendors."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from .workflow_files import WORKFLOW_NAMES, load, workflow, workflow_paths


@cache
def validator() -> Any:
    text = (
        resources.files("check_jsonschema.builtin_schemas.vendor") / "github-workflows.json"
    ).read_text(encoding="utf-8")
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def errors(data: dict[str, Any]) -> list[str]:
    return [e.message for e in validator().iter_errors(data)]


def test_all_four_workflows_exist() -> None:
    assert sorted(p.name for p in workflow_paths()) == sorted(WORKFLOW_NAMES)


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda p: p.name)
def test_workflow_matches_schema(path: Path) -> None:
    assert errors(load(path)) == []


def test_schema_rejects_a_broken_workflow() -> None:
    # Guards against a validator that accepts anything (wrong schema, no $schema).
    broken = copy.deepcopy(workflow("apply.yml"))
    del broken["jobs"]["apply"]["runs-on"]
    broken["on"]["push"]["branches"] = "main"
    broken["jobs"]["apply"]["timeout-minutes"] = "thirty"
    assert errors(broken)


def test_check_jsonschema_cli_agrees() -> None:
    cli = Path(sys.executable).with_name("check-jsonschema")
    proc = subprocess.run(
        [str(cli), "--builtin-schema", "vendor.github-workflows", *map(str, workflow_paths())],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
