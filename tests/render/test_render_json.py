from __future__ import annotations

import json

from reconciler.model.plan import Plan
from reconciler.render import render

from .plans import LEAKED, REPO, leaky_plan, small_plan

CHANGE_KEYS = [
    "id",
    "action",
    "resource",
    "repository",
    "environment",
    "name",
    "before",
    "after",
    "reason",
]
FINDING_KEYS = {"severity", "code", "repository", "environment", "message"}


def test_json_has_the_spec_shape() -> None:
    text = render(small_plan(), "json", color=True)
    data = json.loads(text)
    assert list(data) == ["version", "changes", "findings", "unmanaged", "summary"]
    assert data["version"] == 1
    assert all(list(c) == CHANGE_KEYS for c in data["changes"])
    assert all(set(f) == FINDING_KEYS for f in data["findings"])
    assert data["unmanaged"] == [
        {"resource": "variable", "repository": REPO, "environment": "prod", "name": "STRAY"}
    ]
    assert data["summary"] == {"create": 2, "update": 2, "delete": 1, "errors": 1, "warnings": 0}
    repo_secret = next(c for c in data["changes"] if c["resource"] == "repository_secret")
    assert repo_secret["environment"] is None and repo_secret["before"] is None
    assert repo_secret["after"]["value"] == "(sensitive)"
    deleted = next(c for c in data["changes"] if c["action"] == "delete")
    assert deleted["after"] is None
    assert "\x1b" not in text and text.endswith("}\n") and "\n  " in text


def test_json_round_trips_and_is_stable() -> None:
    plan = small_plan()
    text = render(plan, "json", color=False)
    assert Plan.from_json(json.loads(text)) == plan
    assert render(Plan.from_json(json.loads(text)), "json", color=False) == text


def test_json_masks_secret_values() -> None:
    text = render(leaky_plan(), "json", color=False)
    assert LEAKED not in text
    values = [
        side["value"]
        for c in json.loads(text)["changes"]
        for side in (c["before"], c["after"])
        if side is not None and "value" in side
    ]
    assert values == ["(sensitive)"] * 4
