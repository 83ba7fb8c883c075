"""Show a plan: text for terminals, JSON for machines, markdown for PRs and job summaries."""

from __future__ import annotations

from typing import Literal

from reconciler.model.plan import Plan
from reconciler.render.json import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.summary import PLAN_WORDING, Wording
from reconciler.render.text import render_text

Format = Literal["text", "json", "markdown"]


def render(plan: Plan, fmt: Format, *, color: bool, wording: Wording = PLAN_WORDING) -> str:
    """The plan in `fmt`; `color` only affects text (ANSI), never files or comments.

    `wording` names what was compared: the config of a plan, or the two files
    of `reconcile diff` (which heads its Markdown with its own title).
    """
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan, wording=wording)
    return render_text(plan, color=color, wording=wording)


__all__ = ["Format", "Wording", "render", "render_json", "render_markdown", "render_text"]
