"""Terraform-like text for a terminal: grouped changes, unmanaged items, findings, summary."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.model.plan import Action, Change, Finding, Plan, Severity, Unmanaged
from reconciler.render.lines import by_environment, by_repository, change_lines, clean
from reconciler.render.summary import PLAN_WORDING, Wording, plural, summary_line

_RESET = "\033[0m"
_COLOURS = {
    Action.CREATE: "\033[32m",
    Action.UPDATE: "\033[33m",
    Action.DELETE: "\033[31m",
    Severity.ERROR: "\033[1;31m",
    Severity.WARNING: "\033[33m",
}
_DIM = "\033[2m"
_BOLD = "\033[1m"

PRUNE_HINT = "(set `prune: true` to delete)"


class _Paint:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text


def render_text(plan: Plan, *, color: bool, wording: Wording = PLAN_WORDING) -> str:
    paint = _Paint(color)
    blocks = [_changes(plan.changes, paint)]
    if plan.unmanaged:
        blocks.append(_unmanaged(plan.unmanaged, paint, wording))
    if plan.findings:
        blocks.append(_findings(plan.findings, paint))
    blocks.append(paint(_BOLD, summary_line(plan, wording)))
    return "\n\n".join(b for b in blocks if b) + "\n"


def _changes(changes: Iterable[Change], paint: _Paint) -> str:
    lines: list[str] = []
    for repository, in_repo in by_repository(changes):
        if lines:
            lines.append("")
        lines.append(paint(_BOLD, clean(repository)))
        for environment, in_env in by_environment(in_repo):
            indent = "  "
            if environment is not None:
                lines.append(f"  environment {clean(environment)}")
                indent = "    "
            for change in in_env:
                colour = _COLOURS[change.action]
                rendered = change_lines(change)
                lines.append(indent + paint(colour, rendered.headline))
                lines.extend(indent + "    " + paint(colour, d) for d in rendered.details)
    return "\n".join(lines)


def _unmanaged(items: Iterable[Unmanaged], paint: _Paint, wording: Wording) -> str:
    items = list(items)
    head = f"Unmanaged: {plural(len(items), 'item')} {wording.unmanaged} {PRUNE_HINT}:"
    lines = [paint(_DIM, head)]
    for item in items:
        where = clean(item.repository)
        if item.environment is not None and item.resource.value != "environment":
            where += f" environment {clean(item.environment)}"
        lines.append(paint(_DIM, f"  ? {item.resource.value} {clean(item.name)} ({where})"))
    return "\n".join(lines)


def _findings(findings: Iterable[Finding], paint: _Paint) -> str:
    lines = ["Findings:"]
    for finding in findings:
        where = "/".join(clean(p) for p in (finding.repository, finding.environment) if p)
        place = f" [{where}]" if where else ""
        label = paint(_COLOURS[finding.severity], f"{finding.severity.value}:")
        lines.append(f"  {label} {finding.code}{place} {clean(finding.message)}")
    return "\n".join(lines)
