"""The plan as SPEC section 4 JSON, the same bytes `plan --out` writes."""

from __future__ import annotations

from reconciler.model.plan import Plan
from reconciler.render.sensitive import masked


def render_json(plan: Plan) -> str:
    return masked(plan).dumps()
