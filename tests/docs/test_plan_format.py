"""docs/plan-format.md shows the plan JSON as it is: its example is taken from the
pinned plan (tests/diff/data/pinned-plan.json), and it describes every field the
code writes."""

from __future__ import annotations

import json
import re
from typing import Any

from reconciler.model.plan import Action, Resource, Severity

from .markdown_text import DOCS, ROOT

PAGE = DOCS / "plan-format.md"
PINNED = ROOT / "tests" / "diff" / "data" / "pinned-plan.json"
_JSON_BLOCK = re.compile(r"^```json\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _example() -> dict[str, Any]:
    blocks = _JSON_BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    plans = [json.loads(b) for b in blocks if b.lstrip().startswith('{\n  "version"')]
    assert len(plans) == 1, "plan-format.md should show exactly one whole plan"
    example: dict[str, Any] = plans[0]
    return example


def _pinned() -> dict[str, Any]:
    pinned: dict[str, Any] = json.loads(PINNED.read_text(encoding="utf-8"))
    return pinned


def test_the_example_is_taken_from_the_pinned_plan() -> None:
    example, pinned = _example(), _pinned()
    assert list(example) == list(pinned), "the example's keys are not the plan's, in order"
    assert example["version"] == pinned["version"]
    assert example["changes"], "the example shows no change"
    missing = [c["id"] for c in example["changes"] if c not in pinned["changes"]]
    assert not missing, f"changes shown but not in the pinned plan (as shown): {missing}"
    assert all(f in pinned["findings"] for f in example["findings"])
    assert example["summary"] == pinned["summary"]
    # The order the page promises: the shown changes keep the pinned file's order.
    order = [c["id"] for c in pinned["changes"]]
    shown = [order.index(c["id"]) for c in example["changes"]]
    assert shown == sorted(shown)


def test_the_example_is_written_as_the_code_writes_it() -> None:
    # Same escapes and indentation: what a reader copies is what the file holds.
    text = next(
        b
        for b in _JSON_BLOCK.findall(PAGE.read_text(encoding="utf-8"))
        if b.lstrip().startswith('{\n  "version"')
    )
    assert text == json.dumps(_example(), indent=2) + "\n"


def test_every_field_and_value_of_the_pinned_plan_is_described() -> None:
    page = PAGE.read_text(encoding="utf-8")
    pinned = _pinned()
    names: set[str] = set(pinned) | {"config_digest"}
    for change in pinned["changes"]:
        names |= set(change)
        for side in (change["before"], change["after"]):
            names |= set(side or {})
    for finding in pinned["findings"]:
        names |= set(finding)
    names |= set(pinned["summary"])
    values = {m.value for enum in (Action, Resource, Severity) for m in enum}
    undescribed = sorted(n for n in names | values if f"`{n}`" not in page)
    assert not undescribed, f"plan-format.md never names: {undescribed}"
