"""The approvals report as text (one line per deployment, violations first, then a
summary) and as Markdown (a table for the job summary and the drift issue)."""

from __future__ import annotations

from dataclasses import replace

from reconciler.model.approvals import ApprovalsReport, Verdict
from reconciler.render.approvals import render_approvals, render_approvals_markdown

from .reports import SINCE, every_verdict


def test_text_has_one_line_per_deployment_violations_first_then_a_summary() -> None:
    report = every_verdict()
    text = render_approvals(report, "text", color=False)
    lines = text.split("\n\nFindings:")[0].splitlines()
    assert len(lines) == len(report.deployments) == 11
    verdicts = [line.split()[0] for line in lines]
    assert verdicts[:6] == [
        "self_approved",
        "bypassed",
        "unapproved",
        "unknown",
        "unknown",
        "unknown",
    ]
    assert set(verdicts[6:]) == {"not_required", "approved", "pending", "rejected"}
    bypassed = lines[1]
    for part in ("deployment 603", "run 9001", "started by carol", "skipped by sandbox-admin"):
        assert part in bypassed
    assert text.rstrip().splitlines()[-1] == (
        "11 deployments since 2026-02-28 16:17 UTC: 2 approved, 1 self_approved, 1 bypassed, "
        "1 unapproved, 1 not_required, 1 pending, 1 rejected, 3 unknown; "
        "6 violations (self_approved/bypassed/unapproved/unknown)."
    )
    assert "github.run_search_capped" in text
    assert "\033[" not in text
    assert "\033[1;31mbypassed" in render_approvals(report, "text", color=True)


def test_an_empty_window_says_so() -> None:
    empty = ApprovalsReport(since=SINCE, deployments=())
    assert render_approvals(empty, "text", color=False) == (
        "No deployments to the declared environments since 2026-02-28 16:17 UTC.\n"
    )
    assert "No deployments" in render_approvals(empty, "markdown", color=False)


def test_names_from_github_cannot_break_a_terminal_or_a_table() -> None:
    report = every_verdict()
    evil = replace(report.deployments[0], triggered_by="eve\033[2J|`x`", detail="a | b")
    shown = replace(report, deployments=(evil,))
    assert "\033[2J" not in render_approvals(shown, "text", color=False)
    markdown = render_approvals(shown, "markdown", color=False)
    assert "eve\\x1b[2J" not in markdown
    assert "a \\| b" in markdown and "\\`x\\`" in markdown


def test_markdown_is_a_table_with_violations_first_and_run_links() -> None:
    markdown = render_approvals(every_verdict(), "markdown", color=False)
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0].startswith("| | verdict |")
    assert rows[1].startswith("| ❌ | **self_approved** |")
    assert rows[-1].startswith("| ✅ | rejected |")
    assert (
        "[9001](https://github.com/Alpha-Swarm-ai/alphaswarm_platform/actions/runs/9001)"
        in markdown
    )
    assert markdown.startswith("## reconcile approvals\n\n**11 deployments since")
    assert "### Findings" in markdown


def test_markdown_fits_github_limits_by_leaving_rows_out_and_saying_so() -> None:
    report = every_verdict()
    many = tuple(
        replace(d, deployment_id=d.deployment_id * 1000 + i, detail="x" * 300)
        for i in range(40)
        for d in report.deployments
    )
    big = replace(report, deployments=many)
    markdown = render_approvals_markdown(big, max_chars=20_000)
    assert len(markdown) <= 20_000
    assert "more; see the job log or `--format json`" in markdown
    # Violations come first, so the rows cut are the others: 240 violations of
    # 300 characters each are more than fit, and every row kept is one.
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) > 10
    assert all(row.startswith("| ❌ |") for row in rows[1:])
    assert sum(d.verdict is Verdict.APPROVED for d in many) == 80
