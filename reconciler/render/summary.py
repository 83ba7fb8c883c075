"""Counts in words, shared by the renderers."""

from __future__ import annotations

from reconciler.model.plan import Plan

NO_CHANGES = "No changes. GitHub matches environments.yaml."


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def findings_phrase(plan: Plan) -> str:
    return f"{plural(len(plan.errors), 'error')}, {plural(len(plan.warnings), 'warning')}."


def summary_line(plan: Plan) -> str:
    tail = f"{findings_phrase(plan)} {len(plan.unmanaged)} unmanaged."
    if not plan.changes:
        if not plan.findings and not plan.unmanaged:
            return NO_CHANGES
        return f"{NO_CHANGES} {tail}"
    s = plan.summary
    return (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete. {tail}"
    )
