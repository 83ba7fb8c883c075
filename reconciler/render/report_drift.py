"""The nightly report: the drift issue's body, what to do with the issue, and the
comment that closes it.

The issue is open while there is drift (a change or an error finding in the
plan) or an approval the audit says did not hold; it closes once a run shows
neither. A step that failed says nothing about its half, so a run with a
failed step never closes the issue, and fails the check; drift and violations
themselves do not fail it, the issue is the signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from reconciler.render.report import (
    COMMENT_LIMIT,
    SUMMARY_LIMIT,
    SUMMARY_NOTE,
    Failure,
    PlanPart,
    Report,
    fit,
    missing_plan_text,
    plan_markdown,
    run_link,
    shortened,
    truncation_note,
    utf8_bytes,
)
from reconciler.render.report_approvals import ApprovalAudit, approvals_table, headline
from reconciler.render.summary import Wording

MARKER = "<!-- reconcile-drift -->"
TITLE = "Environment drift"
# In the issue, every violation and this many other deployments; the summary has all.
_ISSUE_ROWS = 100


class IssueAction(StrEnum):
    OPEN = "open"  # open the issue, or update the one that is open
    CLOSE = "close"  # close the open issue with a comment
    LEAVE = "leave"  # a step failed and the rest is clean: nothing to conclude


@dataclass(frozen=True)
class ApprovalsPart:
    """The approval audit, or why there is none (`problem`, one sentence)."""

    audit: ApprovalAudit | None = None
    problem: str = ""


@dataclass(frozen=True)
class DriftInputs:
    plan: PlanPart
    approvals: ApprovalsPart | None = None  # None: this check audits no approvals
    run_url: str | None = None
    checked_at: datetime | None = None
    config_name: str = "environments.yaml"


@dataclass(frozen=True)
class DriftReport(Report):
    action: IssueAction = IssueAction.LEAVE
    closing_comment: str = ""
    warnings: tuple[Failure, ...] = ()  # drift and violations: shown, not failing


def drift_report(inputs: DriftInputs) -> DriftReport:
    drift = inputs.plan.plan is not None and inputs.plan.plan.has_drift
    audit = inputs.approvals.audit if inputs.approvals else None
    violations = audit is not None and audit.needs_attention
    failures = _failures(inputs)
    if drift or violations:
        action = IssueAction.OPEN
    else:
        action = IssueAction.LEAVE if failures else IssueAction.CLOSE
    full = _compose(inputs, drift, violations, budget=None)
    body, truncated = full, False
    if len(full) > COMMENT_LIMIT:
        note = truncation_note(inputs.run_url, "an issue")
        body = shortened(_compose(inputs, drift, violations, budget=len(note)), COMMENT_LIMIT, note)
        truncated = True
    state = "found" if action is IssueAction.OPEN else "none" if not failures else "unknown"
    summary = fit(f"# {TITLE}: {state}\n\n{full}", SUMMARY_LIMIT, SUMMARY_NOTE, measure=utf8_bytes)
    warnings = []
    if drift:
        warnings.append(Failure(TITLE, "reconcile plan found drift; see the drift issue"))
    if violations:
        warnings.append(
            Failure("Approval violations", "reconcile approvals found deployments to look into")
        )
    return DriftReport(
        body=body,
        summary=summary,
        failures=failures,
        truncated=truncated,
        action=action,
        closing_comment=_closing(inputs) if action is IssueAction.CLOSE else "",
        warnings=tuple(warnings),
    )


def _compose(inputs: DriftInputs, drift: bool, violations: bool, *, budget: int | None) -> str:
    """The issue body; `budget`: None for no limit, else the characters kept free
    for the truncation note (the plan gets what the rest leaves)."""
    parts = [MARKER, _headline(inputs, drift, violations), ""]
    when = f"{inputs.checked_at:%Y-%m-%d %H:%M UTC} " if inputs.checked_at else ""
    advice = []
    if drift:
        advice.append(
            "Review the plan, then fix the drift by merging a change to "
            f"`{inputs.config_name}` (which runs apply) or by re-running the apply workflow."
        )
    if violations:
        advice.append(
            "For each deployment marked ❌ or ❓, ask whoever started, approved or skipped it "
            "why the gate did not hold, and keep the answer with this issue."
        )
    parts += [f"Last checked: {when}in {run_link(inputs.run_url)}. " + " ".join(advice), ""]
    approvals = _approvals_section(inputs, rows=None if budget is None else _ISSUE_ROWS)
    part = inputs.plan
    if part.plan is None:
        plan_text = "## reconcile plan\n\n" + missing_plan_text(
            part, inputs.run_url, pull_request=False
        )
    else:
        wording = Wording.plan(inputs.config_name)
        room = None
        if budget is not None:
            around = len("\n".join([*parts, "", approvals])) + budget
            room = COMMENT_LIMIT - around
        plan_text = plan_markdown(part.plan, wording, room)
    parts += [plan_text.rstrip("\n"), ""]
    if approvals:
        parts += [approvals.rstrip("\n"), ""]
    return "\n".join(parts)


def _headline(inputs: DriftInputs, drift: bool, violations: bool) -> str:
    found = []
    if drift:
        found.append(f"drift between `{inputs.config_name}` and the live GitHub/AWS state")
    if violations:
        found.append("deployments whose declared approval did not hold")
    if found:
        return f"**The nightly check found {', and '.join(found)}.**"
    return "**The nightly check found neither drift nor an approval violation.**"


def _approvals_section(inputs: DriftInputs, *, rows: int | None) -> str:
    part = inputs.approvals
    if part is None:
        return ""
    if part.audit is None:
        return (
            "## reconcile approvals\n\n`reconcile approvals` failed or did not finish "
            f"({part.problem}); see its step's log in {run_link(inputs.run_url)}.\n"
        )
    audit = part.audit
    limit = None if rows is None else len(audit.violations) + rows
    return f"## reconcile approvals: deployments since {audit.since}\n\n" + approvals_table(
        audit, max_rows=limit
    )


def _failures(inputs: DriftInputs) -> tuple[Failure, ...]:
    out = []
    if inputs.plan.plan is None:
        detail = f" ({inputs.plan.detail})" if inputs.plan.detail else ""
        out.append(Failure("reconcile plan failed", f"no plan to compare{detail}; see its log"))
    if inputs.approvals is not None and inputs.approvals.audit is None:
        out.append(
            Failure("reconcile approvals failed", f"{inputs.approvals.problem}; see its log")
        )
    return tuple(out)


def _closing(inputs: DriftInputs) -> str:
    where = inputs.run_url or "the latest run"
    audit = inputs.approvals.audit if inputs.approvals else None
    if audit is None:
        return (
            f"The drift check in {where} found no drift: GitHub and AWS match "
            f"`{inputs.config_name}` again. Closing."
        )
    return (
        f"The drift check in {where} found no drift and no approval violation: GitHub and "
        f"AWS match `{inputs.config_name}` again, and {headline(audit)[0].lower()}"
        f"{headline(audit)[1:]} Closing."
    )
