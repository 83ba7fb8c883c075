"""`reconcile validate` on the files issue 11 added to the bad corpus: one
`error: FILE:LINE:COL: sentence` line on standard error, exit 1, never a
traceback (items 9 and 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from integration.helpers import CliRunner

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
FILES = [
    "int_too_long.yaml",
    "lone_surrogate.yaml",
    "surrogate_pair_escapes.yaml",
    "too_many_environment_variables.yaml",
    "too_many_repository_variables.yaml",
    "too_many_environment_secrets.yaml",
    "too_many_repository_secrets.yaml",
    "variable_over_48kb.yaml",
    "variable_over_48kb_after_placeholders.yaml",
]


@pytest.mark.parametrize("name", FILES)
def test_validate_prints_one_located_line(name: str, cli: CliRunner) -> None:
    path = BAD / name
    expected = path.read_text(encoding="utf-8").split("\n", 1)[0].removeprefix("# expect: ")
    position, _, text = expected.partition(": ")

    result = cli("validate", "-c", path)

    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err[:500]
    assert lines[0].startswith(f"error: {path}:{position}: ")
    assert text in lines[0]
