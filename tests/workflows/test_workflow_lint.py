"""Workflow lint: zizmor (security) and actionlint with shellcheck (correctness, and the
shell that remains), offline, from the wheels the dev extras install (docs/ci.md,
"Workflow lint"). Each tool is also shown a broken workflow, so a tool that stopped
looking would fail here rather than pass everything."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .workflow_files import WORKFLOW_DIR, workflow_paths

BIN = Path(sys.executable).parent
CI_DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"

BROKEN = """\
name: broken
on: pull_request_target
permissions: write-all
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}" $UNQUOTED
"""


def zizmor(*paths: Path, persona: str = "regular") -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", f"--persona={persona}",
         "--format=json", *map(str, paths)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    # 0: nothing found; 1x: findings (the highest severity in the code); else an error.
    assert done.returncode == 0 or 10 <= done.returncode < 20, done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    return [f for f in findings if not f.get("ignored")]


def actionlint(*paths: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(BIN / "actionlint"), f"-shellcheck={BIN / 'shellcheck'}", "-pyflakes=",
         "-format", "{{json .}}", *map(str, paths)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    found: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    return found


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / ".github" / "workflows" / "broken.yml"
    path.parent.mkdir(parents=True)
    path.write_text(BROKEN, encoding="utf-8")
    return path


def test_zizmor_finds_nothing_at_its_default_persona() -> None:
    findings = zizmor(*workflow_paths())
    assert [(f["ident"], f["locations"][0]["symbolic"]["key"]) for f in findings] == []


def test_every_pedantic_finding_is_answered_in_ci_md() -> None:
    section = CI_DOC.read_text(encoding="utf-8").split("## Workflow lint", 1)[1]
    answered = set(re.findall(r"`([a-z-]+)`", section.split("\n## ", 1)[0]))
    unanswered = {f["ident"] for f in zizmor(*workflow_paths(), persona="pedantic")} - answered
    assert unanswered == set(), "fix these or answer them in docs/ci.md, Workflow lint"


def test_zizmor_catches_a_broken_workflow(broken: Path) -> None:
    assert {f["ident"] for f in zizmor(broken)} >= {
        "dangerous-triggers",
        "template-injection",
        "unpinned-uses",
    }


def test_actionlint_and_shellcheck_find_nothing() -> None:
    assert [
        f"{e['filepath']}:{e['line']}: {e['message']}" for e in actionlint(*workflow_paths())
    ] == []


def test_actionlint_runs_shellcheck_on_the_scripts(broken: Path) -> None:
    kinds = {e["kind"] for e in actionlint(broken)}
    assert {"shellcheck", "expression"} <= kinds


def test_every_workflow_is_linted() -> None:
    assert {p.parent for p in workflow_paths()} == {WORKFLOW_DIR}
    assert len(workflow_paths()) == 4
