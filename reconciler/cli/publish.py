"""`reconcile publish pr|drift`: post what the workflow's steps produced, and say
whether the check passes.

`pr` keeps the one plan comment on a pull request; `drift` keeps the one drift
issue. Both write the job summary when GitHub Actions gives its file. The exit
code is the check's verdict: 0 it passes, 3 it fails (the report is still
published), 1 publishing itself failed (docs/ci.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.cli.exits import ExitCode
from reconciler.cli.publish_inputs import (
    RunFacts,
    approvals_part,
    diff_part,
    plan_part,
    pull_request_facts,
    run_facts,
    validation,
)
from reconciler.cli.session import transport_settings
from reconciler.errors import ReconcileError
from reconciler.render.report import Failure, Report

if TYPE_CHECKING:
    from reconciler.github import GitHubConnection

DRIFT_LABEL_COLOR = "d93f0b"
DRIFT_LABEL_DESCRIPTION = "Opened by the nightly reconcile drift check"


def run(args: argparse.Namespace) -> int:
    facts = run_facts(args, os.environ)
    report = _pull_request(args, facts) if args.target == "pr" else _drift(args, facts)
    for failure in report.failures:
        _annotate("error", failure)
    return ExitCode.CHECK_FAILED if report.failures else ExitCode.OK


def _pull_request(args: argparse.Namespace, facts: RunFacts) -> Report:
    from reconciler.render.report_pr import MARKER, PullRequestInputs, pull_request_report

    pull = pull_request_facts(args, os.environ)
    errors, head = validation(args.config)
    inputs = PullRequestInputs(
        validation=errors,
        diff=diff_part(args.base, head),
        plan=plan_part(args.plan, args.plan_outcome, fork=pull.fork, invalid=head is None),
        run_url=facts.run_url,
        sha=pull.sha,
        fork=pull.fork,
        config_name=args.config.name,
    )
    report = pull_request_report(inputs)
    if _dry_run(args, report.body, f"the plan comment on pull request #{pull.number}"):
        return report
    _write_summary(facts.summary, report.summary)
    if pull.fork:
        print(
            f"pull request #{pull.number} comes from a fork, whose token cannot comment: "
            "the report is in the job summary"
        )
        return report
    from reconciler.github.publishing import upsert_sticky_comment

    with _connect(args, facts) as conn:
        done = upsert_sticky_comment(conn, facts.repository, pull.number, MARKER, report.body)
    cut = " (cut to GitHub's limit; the job summary has all)" if report.truncated else ""
    print(f"pull request #{pull.number}: {done.action} the plan comment {done.url or ''}{cut}")
    return report


def _drift(args: argparse.Namespace, facts: RunFacts) -> Report:
    from reconciler.render.report_drift import DriftInputs, IssueAction, drift_report

    inputs = DriftInputs(
        plan=plan_part(args.plan, None),
        approvals=approvals_part(args.approvals) if args.approvals else None,
        run_url=facts.run_url,
        checked_at=datetime.now(UTC),
    )
    report = drift_report(inputs)
    for warning in report.warnings:
        _annotate("warning", warning)
    if _dry_run(args, report.body, f"the drift issue: {report.action.value}"):
        return report
    _write_summary(facts.summary, report.summary)
    if report.action is IssueAction.LEAVE:
        print("a step failed and the rest shows nothing wrong: the drift issue is left as it is")
        return report
    from reconciler.github.publishing import (
        LabelSpec,
        close_issue,
        open_issue,
        our_open_issues,
        update_issue,
    )

    label = LabelSpec(args.label, DRIFT_LABEL_COLOR, DRIFT_LABEL_DESCRIPTION)
    with _connect(args, facts) as conn:
        existing = next(our_open_issues(conn, facts.repository, label.name), None)
        number = int(existing["number"]) if existing else None
        if report.action is IssueAction.OPEN:
            if number is None:
                done = open_issue(conn, facts.repository, args.title, report.body, label)
            else:
                done = update_issue(conn, facts.repository, number, report.body)
        elif number is not None:
            done = close_issue(conn, facts.repository, number, report.closing_comment)
        else:
            print("no drift, no approval violation, and no open drift issue")
            return report
    print(f"drift issue #{done.number}: {done.action} {done.url or ''}".rstrip())
    return report


def _dry_run(args: argparse.Namespace, body: str, what: str) -> bool:
    """With --dry-run: print the body and what would be done, and publish nothing."""
    if not args.dry_run:
        return False
    sys.stdout.write(body)
    print(f"\n(dry run: {what}; nothing was published)")
    return True


def _connect(args: argparse.Namespace, facts: RunFacts) -> GitHubConnection:
    from reconciler.github import connection_from_env

    owner, name = facts.repository.split("/")
    return connection_from_env(os.environ, owner, name, transport=transport_settings(args))


def _write_summary(path: Path | None, text: str) -> None:
    if path is None:
        return
    try:
        # GitHub collects the file after the step; others may have written to it.
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise ReconcileError(f"cannot write the job summary {path}: {exc.strerror}") from None


def _annotate(level: str, item: Failure) -> None:
    """A workflow command under GitHub Actions (an annotation on the run), else a line."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        message = item.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        title = item.title.replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
        print(f"::{level} title={title}::{message}")
    else:
        stream = sys.stderr if level == "error" else sys.stdout
        print(f"{'check failed' if level == 'error' else 'warning'}: {item.title}: "
              f"{item.message}", file=stream)  # fmt: skip
