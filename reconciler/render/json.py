"""The plan as JSON (docs/plan-format.md); `plan --out` writes it with a `config_digest` added."""

from __future__ import annotations

from reconciler.model.plan import Plan


def render_json(plan: Plan) -> str:
    return plan.dumps()
