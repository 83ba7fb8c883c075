"""Counts in words, shared by the renderers, and the words for what was compared."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model.plan import Plan

NO_CHANGES = "No changes. GitHub matches environments.yaml."


@dataclass(frozen=True)
class Wording:
    """What a rendering calls the two sides it compared.

    A plan compares live GitHub with the config named by `-c`; `reconcile
    diff` compares two files and never reads GitHub, so it must not claim to.
    """

    title: str = "reconcile plan"
    no_changes: str = NO_CHANGES
    totals: str = "Plan"
    unmanaged: str = "on GitHub but not in environments.yaml, left alone"

    @classmethod
    def plan(cls, config: str) -> Wording:
        return cls(
            no_changes=f"No changes. GitHub matches {config}.",
            unmanaged=f"on GitHub but not in {config}, left alone",
        )

    @classmethod
    def review(cls, old: str, new: str) -> Wording:
        return cls(
            title=f"reconcile diff: what {new} changes",
            no_changes=f"No differences between {old} and {new}.",
            totals=f"{old} → {new}",
            unmanaged=f"in {old} but not in {new}: no longer managed, left alone on GitHub",
        )


PLAN_WORDING = Wording()


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def findings_phrase(plan: Plan) -> str:
    return f"{plural(len(plan.errors), 'error')}, {plural(len(plan.warnings), 'warning')}."


def summary_line(plan: Plan, wording: Wording = PLAN_WORDING) -> str:
    tail = f"{findings_phrase(plan)} {len(plan.unmanaged)} unmanaged."
    if not plan.changes:
        if not plan.findings and not plan.unmanaged:
            return wording.no_changes
        return f"{wording.no_changes} {tail}"
    s = plan.summary
    return (
        f"{wording.totals}: {s['create']} to create, {s['update']} to update, "
        f"{s['delete']} to delete. {tail}"
    )
