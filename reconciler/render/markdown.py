"""Markdown for PR comments and job summaries, within GitHub's size limits.

GitHub rejects comments over 65,536 characters; the plan keeps a margin and,
when it would not fit, shows fewer changes per repository and says how many
were left out rather than failing to post at all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from reconciler.model.plan import Action, Change, Finding, Plan, Severity, Unmanaged
from reconciler.render.lines import by_environment, by_repository, change_lines
from reconciler.render.summary import PLAN_WORDING, Wording, findings_phrase, plural, summary_line

MAX_CHARS = 60_000
T = TypeVar("T")
_ICONS = {Severity.ERROR: "❌ error", Severity.WARNING: "⚠️ warning"}


def cell(text: str) -> str:
    """Text safe inside a table cell: no HTML, no column break, no code span."""
    escaped = html.escape(text, quote=False).replace("|", "\\|").replace("`", "\\`")
    return " ".join(escaped.split())


def _fence(body: str) -> str:
    # A fence longer than any backtick run inside cannot be closed by the content.
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


@dataclass(frozen=True)
class _Cut:
    """How much of each list to show; None shows everything."""

    per_repository: int | None = None

    def take(self, items: Sequence[T]) -> tuple[Sequence[T], int]:
        if self.per_repository is None:
            return items, 0
        return items[: self.per_repository], max(0, len(items) - self.per_repository)


def render_markdown(
    plan: Plan, *, max_chars: int = MAX_CHARS, wording: Wording = PLAN_WORDING
) -> str:
    full = _render(plan, _Cut(), wording)
    if len(full) <= max_chars:
        return full
    longest = max(
        [len(plan.findings), len(plan.unmanaged)]
        + [len(in_repo) for _, in_repo in by_repository(plan.changes)]
    )
    low, high = 0, longest
    best = _render(plan, _Cut(0), wording)
    while low <= high:  # the largest per-repository cut that still fits
        mid = (low + high) // 2
        text = _render(plan, _Cut(mid), wording)
        if len(text) <= max_chars:
            best, low = text, mid + 1
        else:
            high = mid - 1
    if len(best) <= max_chars:
        return best
    note = "\n\n_Truncated: see the JSON plan or the job log for the rest._\n"
    return best[: best.rfind("\n", 0, max_chars - len(note))] + note


def _render(plan: Plan, cut: _Cut, wording: Wording) -> str:
    parts = [f"## {wording.title}", "", f"**{summary_line(plan, wording)}**", ""]
    details, left_out = _details(plan.changes, cut)
    findings, findings_left = _findings(plan.findings, cut)
    unmanaged, unmanaged_left = _unmanaged(plan.unmanaged, cut, wording)
    if left_out or findings_left or unmanaged_left:
        parts += [_truncation_note(plan, left_out, findings_left, unmanaged_left), ""]
    # Findings lead: in a pull-request comment, what an edit weakens or breaks
    # matters more than the list of what it changes.
    parts += findings
    parts += _summary_table(plan)
    parts += details + unmanaged
    return "\n".join(parts).rstrip("\n") + "\n"


def _truncation_note(plan: Plan, changes: int, findings: int, unmanaged: int) -> str:
    omitted = [f"{changes} of {plural(len(plan.changes), 'change')}"]
    if findings:
        omitted.append(f"{findings} of {plural(len(plan.findings), 'finding')}")
    if unmanaged:
        omitted.append(f"{unmanaged} of {len(plan.unmanaged)} unmanaged items")
    return (
        f"> [!NOTE]\n> This summary is shortened to fit: {', '.join(omitted)} are not shown "
        "here. See the JSON plan (`reconcile plan --out plan.json`) or the job log for "
        "the full plan."
    )


def _counts(changes: Sequence[Change], findings: Sequence[Finding]) -> list[int]:
    return [
        *(sum(1 for c in changes if c.action is a) for a in Action),
        *(sum(1 for f in findings if f.severity is s) for s in Severity),
    ]


def _summary_table(plan: Plan) -> list[str]:
    repositories = sorted(
        {c.repository for c in plan.changes}
        | {f.repository for f in plan.findings if f.repository}
        | {u.repository for u in plan.unmanaged},
        key=str.lower,
    )
    if not repositories and not plan.findings:
        return []
    rows = [
        "| Repository | Create | Update | Delete | Errors | Warnings |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for repository in repositories:
        key = repository.lower()
        changes = [c for c in plan.changes if c.repository.lower() == key]
        found = [f for f in plan.findings if (f.repository or "").lower() == key]
        rows.append(
            f"| {cell(repository)} | " + " | ".join(map(str, _counts(changes, found))) + " |"
        )
    general = [f for f in plan.findings if not f.repository]
    if general:
        rows.append("| (across repositories) | 0 | 0 | 0 | " + " | ".join(
            map(str, _counts([], general)[3:])) + " |")  # fmt: skip
    return [*rows, ""]


def _details(changes: Sequence[Change], cut: _Cut) -> tuple[list[str], int]:
    if not changes:
        return [], 0
    out = ["### Changes", ""]
    left_out = 0
    for repository, in_repo in by_repository(changes):
        shown, hidden = cut.take(in_repo)
        left_out += hidden
        s = Plan(changes=tuple(in_repo)).summary
        title = (
            f"{cell(repository)}: {s['create']} to create, {s['update']} to update, "
            f"{s['delete']} to delete"
        )
        body = "\n".join(_diff_lines(shown))
        if hidden:
            body += f"\n# … {plural(hidden, 'more change')} in this repository not shown"
        fence = _fence(body)
        out += [
            f"<details><summary>{title}</summary>",
            "",
            f"{fence}diff",
            body,
            fence,
            "",
            "</details>",
            "",
        ]
    return out, left_out


def _diff_lines(changes: Sequence[Change]) -> list[str]:
    lines: list[str] = []
    for environment, group in by_environment(changes):
        indent = ""
        if environment is not None:
            lines.append(f"# environment {environment}")
            indent = "  "
        for change in group:
            rendered = change_lines(change)
            # diff highlighting keys on the first character: keep the sigil there.
            sigil, rest = rendered.headline[0], rendered.headline[2:]
            lines.append(f"{sigil} {indent}{rest}")
            lines.extend(f"{sigil} {indent}    {d}" for d in rendered.details)
    return lines


def _findings(findings: Sequence[Finding], cut: _Cut) -> tuple[list[str], int]:
    if not findings:
        return [], 0
    shown, hidden = cut.take(findings)
    out = [
        "### Findings",
        "",
        f"{findings_phrase(Plan(findings=tuple(findings)))}",
        "",
        "| Severity | Code | Where | Message |",
        "|---|---|---|---|",
    ]
    for f in shown:
        where = " / ".join(p for p in (f.repository, f.environment) if p)
        out.append(f"| {_ICONS[f.severity]} | {cell(f.code)} | {cell(where)} | {cell(f.message)} |")
    if hidden:
        out.append(f"| | | | … {plural(hidden, 'more finding')} not shown |")
    return [*out, ""], hidden


def _unmanaged(items: Sequence[Unmanaged], cut: _Cut, wording: Wording) -> tuple[list[str], int]:
    if not items:
        return [], 0
    shown, hidden = cut.take(items)
    out = [
        "### Unmanaged",
        "",
        f"<details><summary>{len(items)} {html.escape(wording.unmanaged, quote=False)} "
        "(set <code>prune: true</code> to delete them)</summary>",
        "",
        "| Repository | Environment | Resource | Name |",
        "|---|---|---|---|",
    ]
    out += [
        f"| {cell(u.repository)} | {cell(u.environment or '')} | {u.resource.value} "
        f"| {cell(u.name)} |"
        for u in shown
    ]
    if hidden:
        out.append(f"| | | | … {hidden} more not shown |")
    return [*out, "", "</details>", ""], hidden
