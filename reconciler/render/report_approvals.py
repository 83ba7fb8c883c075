"""The approval audit as the nightly report shows it: read from `reconcile approvals
--format json` by its documented contract (version 1), and drawn as a Markdown table.

Only the JSON crosses over: the report needs nothing of how the audit is made,
so it reads the file like any other consumer would and refuses, in one sentence,
a file that does not keep the contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.render.markdown import cell
from reconciler.render.summary import plural

# Every verdict of the contract, in the order the table lists them: what needs
# a person first.
VERDICTS = (
    "bypassed",
    "unapproved",
    "self_approved",
    "unknown",
    "rejected",
    "pending",
    "approved",
    "not_required",
)
VIOLATIONS = frozenset({"self_approved", "bypassed", "unapproved", "unknown"})
_ICONS = {
    "bypassed": "❌",
    "unapproved": "❌",
    "self_approved": "❌",
    "unknown": "❓",
    "rejected": "🚫",
    "pending": "⏳",
    "approved": "✅",
    "not_required": "·",
}


@dataclass(frozen=True)
class ReportedDeployment:
    repository: str
    environment: str
    deployment_id: int
    run_id: int | None
    created_at: str
    sha: str
    ref: str
    triggered_by: str | None
    approved_by: tuple[str, ...]
    skipped_by: tuple[str, ...]
    verdict: str
    detail: str

    @property
    def violation(self) -> bool:
        return self.verdict in VIOLATIONS


@dataclass(frozen=True)
class AuditFinding:
    severity: str
    code: str
    where: str
    message: str


@dataclass(frozen=True)
class ApprovalAudit:
    since: str
    deployments: tuple[ReportedDeployment, ...]
    findings: tuple[AuditFinding, ...] = ()

    @property
    def violations(self) -> tuple[ReportedDeployment, ...]:
        return tuple(d for d in self.deployments if d.violation)

    @property
    def errors(self) -> tuple[AuditFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def needs_attention(self) -> bool:
        """A violation, or an error that left part of the audit unread."""
        return bool(self.violations or self.errors)

    @classmethod
    def from_json(cls, data: Any) -> ApprovalAudit:
        """The audit, or ValueError with one sentence saying what breaks the contract."""
        doc = _object(data, "the document")
        if doc.get("version") != 1:
            raise ValueError(f"version is {doc.get('version')!r}, not 1")
        since = doc.get("since")
        if not isinstance(since, str):
            raise ValueError("'since' is not a string")
        rows = doc.get("deployments")
        findings = doc.get("findings", [])
        if not isinstance(rows, list) or not isinstance(findings, list):
            raise ValueError("'deployments' and 'findings' must be arrays")
        return cls(
            since=since,
            deployments=tuple(_deployment(row, i) for i, row in enumerate(rows)),
            findings=tuple(_finding(f, i) for i, f in enumerate(findings)),
        )


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where} is not a JSON object")
    return value


def _text(doc: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str | None:
    value = doc.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where}: '{key}' is not a string")
    return value


def _number(doc: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> int | None:
    value = doc.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{where}: '{key}' is not a whole number")
    return value


def _logins(doc: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: '{key}' is not an array of logins")
    return tuple(value)


def _deployment(value: Any, index: int) -> ReportedDeployment:
    where = f"deployment {index + 1}"
    doc = _object(value, where)
    verdict = _text(doc, "verdict", where) or ""
    if verdict not in VERDICTS:
        raise ValueError(f"{where}: unknown verdict {verdict!r}")
    return ReportedDeployment(
        repository=_text(doc, "repository", where) or "",
        environment=_text(doc, "environment", where) or "",
        deployment_id=_number(doc, "deployment_id", where) or 0,
        run_id=_number(doc, "run_id", where, optional=True),
        created_at=_text(doc, "created_at", where) or "",
        sha=_text(doc, "sha", where, optional=True) or "",
        ref=_text(doc, "ref", where, optional=True) or "",
        triggered_by=_text(doc, "triggered_by", where, optional=True),
        approved_by=_logins(doc, "approved_by", where),
        skipped_by=_logins(doc, "skipped_by", where),
        verdict=verdict,
        detail=_text(doc, "detail", where, optional=True) or "",
    )


def _finding(value: Any, index: int) -> AuditFinding:
    # Read leniently: a finding is shown, never judged by its shape.
    doc = _object(value, f"finding {index + 1}")
    parts = [doc.get("repository"), doc.get("environment")]
    return AuditFinding(
        severity=str(doc.get("severity") or "warning"),
        code=str(doc.get("code") or ""),
        where=" / ".join(str(p) for p in parts if p),
        message=str(doc.get("message") or ""),
    )


def headline(audit: ApprovalAudit) -> str:
    """One sentence: how many deployments broke the declared approval, and how."""
    total = plural(len(audit.deployments), "deployment")
    if not audit.deployments:
        return f"No deployments to gated environments since {audit.since}."
    broken = audit.violations
    if not broken:
        return f"None of the {total} since {audit.since} broke the declared approval."
    kinds = ", ".join(
        f"{sum(1 for d in broken if d.verdict == v)} {v.replace('_', '-')}"
        for v in VERDICTS
        if any(d.verdict == v for d in broken)
    )
    return f"{len(broken)} of {total} since {audit.since} broke the declared approval: {kinds}."


def _logins_cell(logins: Sequence[str]) -> str:
    return cell(", ".join(logins)) if logins else "—"


def approvals_table(audit: ApprovalAudit, *, max_rows: int | None = None) -> str:
    """The audit as Markdown: a headline, the deployments (violations first), findings."""
    parts = [f"**{headline(audit)}**", ""]
    rows = sorted(
        audit.deployments,
        key=lambda d: (VERDICTS.index(d.verdict), d.repository.lower(), d.created_at),
    )
    shown = rows if max_rows is None else rows[:max_rows]
    if rows:
        parts += [
            "| Verdict | Repository | Environment | Deployment | Run | Started by "
            "| Approved by | Skipped by | Detail |",
            "|---|---|---|--:|--:|---|---|---|---|",
        ]
        parts += [
            f"| {_ICONS[d.verdict]} {d.verdict} | {cell(d.repository)} | {cell(d.environment)} "
            f"| {d.deployment_id} | {d.run_id if d.run_id is not None else '—'} "
            f"| {cell(d.triggered_by or '—')} | {_logins_cell(d.approved_by)} "
            f"| {_logins_cell(d.skipped_by)} | {cell(d.detail) or '—'} |"
            for d in shown
        ]
        if len(shown) < len(rows):
            hidden = len(rows) - len(shown)
            parts.append(f"| | | | | | | | | … {plural(hidden, 'more deployment')} not shown |")
        parts.append("")
    if audit.findings:
        parts += ["| Severity | Code | Where | Message |", "|---|---|---|---|"]
        parts += [
            f"| {cell(f.severity)} | {cell(f.code)} | {cell(f.where)} | {cell(f.message)} |"
            for f in audit.findings
        ]
        parts.append("")
    return "\n".join(parts)
