"""The plan as JSON (docs/architecture.md, "The plan file"), the same bytes `plan --out` writes."""

from __future__ import annotations

from reconciler.model.plan import Plan


def render_json(plan: Plan) -> str:
    return plan.dumps()
