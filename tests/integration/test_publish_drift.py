"""`reconcile publish drift` end to end against the emulator: the drift issue is
opened with its label, updated while drift or an approval violation lasts, closed
with a comment when both are gone, and never taken from someone else."""

from __future__ import annotations

from pathlib import Path

from reconciler.cli.exits import ExitCode
from reconciler.model.plan import Plan
from reconciler.render.report_drift import MARKER
from reconciler.sandbox.github import GitHubEmulator

from .helpers import CliRunner
from .publish_support import (
    BOT,
    OWNER,
    REPO,
    RUN_URL,
    changes_plan,
    requests_made,
    write_audit,
    write_plan,
)

LABEL = "environment-drift"
ISSUES = f"/repos/{OWNER}/{REPO}/issues"


def nightly(cli: CliRunner, plan: Plan | None, *verdicts: str) -> tuple[int, str]:
    """One nightly run: the check job's files, then `reconcile publish drift`."""
    Path("plan.json").unlink(missing_ok=True)
    if plan is not None:
        write_plan(Path("plan.json"), plan)
    write_audit(Path("approvals.json"), *verdicts)
    result = cli("publish", "drift", "--approvals", "approvals.json")
    return result.code, result.out + result.err


def test_drift_opens_the_labelled_issue_then_updates_it_then_closes_it(
    github: GitHubEmulator, cli: CliRunner
) -> None:
    # First run: drift. The label is made, the issue opened with it.
    code, out = nightly(cli, changes_plan(), "approved")
    assert code == ExitCode.OK, out
    (issue,) = github.issues(OWNER, REPO)
    assert (issue.title, issue.author, issue.state, issue.labels) == (
        "Environment drift",
        BOT,
        "open",
        (LABEL,),
    )
    assert issue.body is not None and issue.body.startswith(MARKER)
    assert "eu-west-1" in issue.body and RUN_URL in issue.body
    assert github.labels(OWNER, REPO) == {
        LABEL: ("d93f0b", "Opened by the nightly reconcile drift check")
    }
    assert f"drift issue #{issue.number}: opened" in out
    assert "warning: Environment drift" in out
    # Second run: still drift. The same issue, rewritten; nothing new.
    github.clear_requests()
    assert nightly(cli, changes_plan(count=2), "approved")[0] == ExitCode.OK
    (again,) = github.issues(OWNER, REPO)
    assert again.number == issue.number and "SETTING_00001" in (again.body or "")
    assert requests_made(github) == [
        "POST /graphql",
        f"GET {ISSUES}",
        f"PATCH {ISSUES}/{issue.number}",
    ]
    # Recovery: no drift, no violation. A comment says why, then it closes.
    github.clear_requests()
    code, out = nightly(cli, Plan(), "approved", "not_required")
    assert code == ExitCode.OK, out
    (closed,) = github.issues(OWNER, REPO)
    assert (closed.state, closed.state_reason) == ("closed", "completed")
    (comment,) = github.issue_comments(OWNER, REPO, issue.number)
    assert comment.author == BOT
    assert comment.body.startswith(f"The drift check in {RUN_URL} found no drift and no approval")
    assert requests_made(github)[-2:] == [
        f"POST {ISSUES}/{issue.number}/comments",
        f"PATCH {ISSUES}/{issue.number}",
    ]
    # A clean night with no issue open writes nothing.
    github.clear_requests()
    assert nightly(cli, Plan(), "approved")[0] == ExitCode.OK
    assert [r for r in requests_made(github) if not r.startswith(("GET", "POST /graphql"))] == []


def test_an_approval_violation_keeps_the_issue_open_without_drift(
    github: GitHubEmulator, cli: CliRunner
) -> None:
    code, out = nightly(cli, Plan(), "approved", "bypassed")
    assert code == ExitCode.OK, out
    (issue,) = github.issues(OWNER, REPO)
    assert issue.state == "open"
    assert "| ❌ bypassed |" in (issue.body or "") and "root" in (issue.body or "")
    assert nightly(cli, Plan(), "self_approved")[0] == ExitCode.OK
    (still,) = github.issues(OWNER, REPO)
    assert still.state == "open" and "| ❌ self_approved |" in (still.body or "")


def test_a_failed_step_leaves_a_clean_looking_issue_alone_and_fails(
    github: GitHubEmulator, cli: CliRunner
) -> None:
    assert nightly(cli, changes_plan(), "approved")[0] == ExitCode.OK
    github.clear_requests()
    # The plan failed (no plan.json) and the audit shows nothing: nothing to conclude.
    code, out = nightly(cli, None, "approved")
    assert code == ExitCode.CHECK_FAILED
    assert "check failed: reconcile plan failed" in out
    assert github.requests == []
    assert github.issues(OWNER, REPO)[0].state == "open"
    # The audit failed (an empty file: its step died after the shell opened it).
    Path("approvals.json").write_text("", encoding="utf-8")
    write_plan(Path("plan.json"), Plan())
    result = cli("publish", "drift", "--approvals", "approvals.json")
    assert result.code == ExitCode.CHECK_FAILED
    assert "approvals.json is empty" in result.err
    assert github.issues(OWNER, REPO)[0].state == "open"
    assert "approvals.json is empty" in Path("summary.md").read_text(encoding="utf-8")


def test_someone_elses_issue_with_the_label_is_never_taken(
    github: GitHubEmulator, cli: CliRunner
) -> None:
    theirs = github.add_issue(OWNER, REPO, "Environment drift?", author="mallory",
                              body="my notes", labels=[LABEL])  # fmt: skip
    assert nightly(cli, changes_plan(), "approved")[0] == ExitCode.OK
    assert nightly(cli, Plan(), "approved")[0] == ExitCode.OK
    mine, = (i for i in github.issues(OWNER, REPO) if i.number != theirs)  # fmt: skip
    assert (mine.author, mine.state) == (BOT, "closed")
    untouched = next(i for i in github.issues(OWNER, REPO) if i.number == theirs)
    assert (untouched.state, untouched.body) == ("open", "my notes")
    assert github.issue_comments(OWNER, REPO, theirs) == []


def test_without_an_audit_only_the_plan_counts(github: GitHubEmulator, cli: CliRunner) -> None:
    write_plan(Path("plan.json"), changes_plan())
    assert cli("publish", "drift").code == ExitCode.OK
    (issue,) = github.issues(OWNER, REPO)
    assert "reconcile approvals" not in (issue.body or "")
    write_plan(Path("plan.json"), Plan())
    assert cli("publish", "drift").code == ExitCode.OK
    (comment,) = github.issue_comments(OWNER, REPO, issue.number)
    assert comment.body == (
        f"The drift check in {RUN_URL} found no drift: GitHub and AWS match "
        "`environments.yaml` again. Closing."
    )
