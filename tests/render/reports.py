"""Inputs for the report composer's tests: approval audits in the JSON contract of
`reconcile approvals --format json` (issue 18), and plans too long for a comment."""

from __future__ import annotations

from typing import Any

from reconciler.model.payloads import VariablePayload
from reconciler.model.plan import Change, Plan, Resource

from .plans import REPO

RUN_URL = "https://github.com/acme/config/actions/runs/42"
SINCE = "2025-06-01T16:17:00Z"


def deployment(verdict: str, number: int = 1, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "repository": REPO,
        "environment": "prod",
        "deployment_id": 9000 + number,
        "run_id": 7000 + number,
        "created_at": f"2025-06-02T0{number % 10}:00:00Z",
        "sha": "3f2c1e0",
        "ref": "main",
        "triggered_by": "alice",
        "approved_by": ["bob"] if verdict == "approved" else [],
        "skipped_by": ["root-admin"] if verdict == "bypassed" else [],
        "verdict": verdict,
        "detail": "",
    }
    row.update(fields)
    return row


def audit_json(*rows: dict[str, Any], findings: list[Any] | None = None) -> dict[str, Any]:
    return {"version": 1, "since": SINCE, "deployments": list(rows), "findings": findings or []}


def long_plan(count: int = 3000) -> Plan:
    """Thousands of variable updates with non-ASCII text: far over 65,536 characters."""
    return Plan.build(
        [
            Change.update(
                Resource.VARIABLE,
                repository=f"{REPO}-{i % 7}",
                environment="prod",
                name=f"SETTING_{i:05d}",
                before=VariablePayload(f"alt-é→✓-{i}"),
                after=VariablePayload(f"neu-ünïcödé-✓-{i}"),
                reason="value differs",
            )
            for i in range(count)
        ],
        [],
        [],
    )
