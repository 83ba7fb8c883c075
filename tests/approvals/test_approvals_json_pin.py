"""`reconcile approvals --format json` is a contract (docs/approvals.md, "The JSON
report"): this pins it byte for byte.

A report with a deployment of every verdict and a finding is rendered and
compared with a stored file. A change to the golden file is a change to the
contract (the nightly workflow reads it) and needs a reason in its commit.
"""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.render.approvals import render_approvals

from .reports import every_verdict

GOLDEN = Path(__file__).parent / "data" / "pinned-approvals.json"


def test_the_json_report_is_pinned_byte_for_byte() -> None:
    rendered = render_approvals(every_verdict(), "json", color=True)
    assert rendered == GOLDEN.read_text(encoding="utf-8")


def test_the_pinned_report_holds_every_verdict_and_field() -> None:
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert list(doc) == ["version", "since", "deployments", "findings"]
    assert doc["version"] == 1
    assert doc["since"] == "2026-02-28T16:17:00Z"
    assert {d["verdict"] for d in doc["deployments"]} == {
        "approved", "self_approved", "bypassed", "unapproved",
        "not_required", "pending", "rejected", "unknown",
    }  # fmt: skip
    assert {tuple(d) for d in doc["deployments"]} == {
        (
            "repository", "environment", "deployment_id", "run_id", "created_at", "sha", "ref",
            "triggered_by", "approved_by", "skipped_by", "verdict", "detail",
        )
    }  # fmt: skip
    assert [tuple(f) for f in doc["findings"]] == [
        ("severity", "code", "repository", "environment", "message")
    ]
