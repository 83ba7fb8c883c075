"""Show a plan: text for terminals, JSON for machines, markdown for PRs and job summaries."""

from __future__ import annotations

from typing import Literal

from reconciler.model.plan import Plan
from reconciler.render.json import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text

Format = Literal["text", "json", "markdown"]


def render(plan: Plan, fmt: Format, *, color: bool, title: str = "reconcile plan") -> str:
    """The plan in `fmt`; `color` only affects text (ANSI), never files or comments.

    `title` heads the Markdown form (`reconcile diff` names itself there).
    """
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan, title=title)
    return render_text(plan, color=color)


__all__ = ["Format", "render", "render_json", "render_markdown", "render_text"]
