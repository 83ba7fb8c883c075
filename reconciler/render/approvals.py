"""Show an approvals report: text for a terminal, Markdown for a job summary or
the drift issue, JSON for machines (docs/approvals.md, "Output")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from reconciler.model.approvals import (
    VIOLATIONS,
    ApprovalsReport,
    AuditedDeployment,
    Verdict,
)
from reconciler.model.plan import Severity
from reconciler.render.lines import clean
from reconciler.render.markdown import MAX_CHARS, cell
from reconciler.render.summary import plural
from reconciler.render.text import _findings, _Paint

Format = Literal["text", "json", "markdown"]

_COLOURS = {
    Verdict.APPROVED: "\033[32m",
    Verdict.NOT_REQUIRED: "\033[2m",
    Verdict.PENDING: "\033[33m",
    Verdict.REJECTED: "\033[33m",
}
_VIOLATION = "\033[1;31m"
_BOLD = "\033[1m"
_ICONS = {True: "❌", False: "✅"}
TITLE = "reconcile approvals"


def render_approvals(report: ApprovalsReport, fmt: Format, *, color: bool) -> str:
    if fmt == "json":
        return report.dumps()
    if fmt == "markdown":
        return render_approvals_markdown(report)
    return render_approvals_text(report, color=color)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def ordered(report: ApprovalsReport) -> list[AuditedDeployment]:
    """Violations first, then the rest; each part in the report's own order."""
    return [*report.violations, *(d for d in report.deployments if not d.violation)]


def summary(report: ApprovalsReport) -> str:
    since = _when(report.since)
    if not report.deployments:
        return f"No deployments to the declared environments since {since}."
    counts = ", ".join(f"{n} {v.value}" for v, n in report.counts().items() if n)
    bad = len(report.violations)
    verdicts = "/".join(v.value for v in Verdict if v in VIOLATIONS)
    tail = f"{plural(bad, 'violation')} ({verdicts})." if bad else "no violations."
    return f"{plural(len(report.deployments), 'deployment')} since {since}: {counts}; {tail}"


def _decision(d: AuditedDeployment) -> str:
    if d.skipped_by:
        return f"skipped by {', '.join(d.skipped_by)}"
    if d.approved_by:
        return f"approved by {', '.join(d.approved_by)}"
    return "no approval"


def line(d: AuditedDeployment) -> str:
    run = str(d.run_id) if d.run_id is not None else "-"
    parts = [
        f"{d.repository} {d.environment}",
        f"deployment {d.deployment_id}",
        f"run {run}",
        _when(d.created_at),
        f"started by {d.triggered_by or 'unknown'}",
        _decision(d),
    ]
    return clean(f"{' · '.join(parts)} — {d.detail}")


def render_approvals_text(report: ApprovalsReport, *, color: bool) -> str:
    paint = _Paint(color)
    lines = []
    for d in ordered(report):
        colour = _VIOLATION if d.violation else _COLOURS.get(d.verdict, "")
        label = paint(colour, f"{d.verdict.value:<13}") if colour else f"{d.verdict.value:<13}"
        lines.append(f"{label} {line(d)}")
    blocks = ["\n".join(lines)] if lines else []
    if report.findings:
        blocks.append(_findings(report.findings, paint))
    blocks.append(paint(_BOLD, summary(report)))
    return "\n\n".join(blocks) + "\n"


_HEADER = (
    "| | verdict | repository | environment | deployment | run | created | started by "
    "| approved by | skipped by | detail |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def _row(d: AuditedDeployment) -> str:
    run = "—"
    if d.run_id is not None:
        run = f"[{d.run_id}]({d.run_url})" if d.run_url else str(d.run_id)
    cells = [
        _ICONS[d.violation] if d.verdict is not Verdict.PENDING else "⏳",
        f"**{d.verdict.value}**" if d.violation else d.verdict.value,
        cell(d.repository),
        cell(d.environment),
        str(d.deployment_id),
        run,
        _when(d.created_at),
        cell(d.triggered_by or "unknown"),
        cell(", ".join(d.approved_by)) or "—",
        cell(", ".join(d.skipped_by)) or "—",
        cell(d.detail),
    ]
    return "| " + " | ".join(cells) + " |"


def _markdown(report: ApprovalsReport, rows: Sequence[AuditedDeployment], left_out: int) -> str:
    parts = [f"## {TITLE}", "", f"**{cell(summary(report))}**", ""]
    if rows:
        parts += [_HEADER, *(_row(d) for d in rows), ""]
    if left_out:
        parts += [f"_…and {left_out} more; see the job log or `--format json`._", ""]
    if report.findings:
        parts += ["### Findings", ""]
        for f in report.findings:
            where = "/".join(p for p in (f.repository, f.environment) if p)
            icon = "❌" if f.severity is Severity.ERROR else "⚠️"
            parts.append(f"- {icon} `{f.code}` {cell(where)}: {cell(f.message)}")
        parts.append("")
    return "\n".join(parts)


def render_approvals_markdown(report: ApprovalsReport, *, max_chars: int = MAX_CHARS) -> str:
    """Violations first; cut (rows at the end first) to fit a comment or issue body."""
    rows = ordered(report)
    low, high = 0, len(rows)
    text = _markdown(report, rows, 0)
    if len(text) <= max_chars:
        return text
    while low < high:  # the most rows that still fit
        mid = (low + high + 1) // 2
        if len(_markdown(report, rows[:mid], len(rows) - mid)) <= max_chars:
            low = mid
        else:
            high = mid - 1
    return _markdown(report, rows[:low], len(rows) - low)
