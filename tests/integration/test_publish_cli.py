"""`reconcile publish` end to end against the emulator, with the token a workflow run
gets: the sticky pull-request comment (first run, second run, someone else's
comment carrying our marker, a report over 65,536 characters, a fork) and the
check's verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.cli.exits import ExitCode
from reconciler.model.plan import Finding, Plan, Severity
from reconciler.render.report import COMMENT_LIMIT
from reconciler.render.report_pr import MARKER
from reconciler.sandbox.github import GitHubEmulator

from .helpers import CliRunner
from .publish_support import (
    BOT,
    OWNER,
    REPO,
    RUN_URL,
    changes_plan,
    requests_made,
    write_plan,
)


@pytest.fixture
def pull(github: GitHubEmulator) -> int:
    return github.add_pull_request(OWNER, REPO)


def publish_pr(cli: CliRunner, pull: int, *extra: str) -> tuple[int, str, str]:
    result = cli("publish", "pr", "--base", "base.yaml", "--number", str(pull), "--sha",
                 "3f2c1e0d", *extra)  # fmt: skip
    return result.code, result.out, result.err


def test_first_run_creates_the_comment(github: GitHubEmulator, pull: int, cli: CliRunner) -> None:
    write_plan(Path("plan.json"), changes_plan())
    code, out, err = publish_pr(cli, pull)
    assert code == ExitCode.OK, err
    (comment,) = github.issue_comments(OWNER, REPO, pull)
    assert comment.author == BOT
    assert comment.body.startswith(MARKER + "\n## reconcile: environments.yaml")
    assert f"For commit 3f2c1e0d ([run]({RUN_URL}))." in comment.body
    assert NEW_FILE_TEXT in comment.body  # base.yaml does not exist: the file is new
    assert "eu-west-1" in comment.body
    assert f"pull request #{pull}: created the plan comment" in out
    assert Path("summary.md").read_text(encoding="utf-8") == comment.body
    # Who the token is, its comments, one write.
    assert requests_made(github) == [
        "POST /graphql",
        f"GET /repos/{OWNER}/{REPO}/issues/{pull}/comments",
        f"POST /repos/{OWNER}/{REPO}/issues/{pull}/comments",
    ]


NEW_FILE_TEXT = "`environments.yaml` is new in this pull request"


def test_second_run_updates_it(github: GitHubEmulator, pull: int, cli: CliRunner) -> None:
    write_plan(Path("plan.json"), changes_plan())
    assert publish_pr(cli, pull)[0] == ExitCode.OK
    (first,) = github.issue_comments(OWNER, REPO, pull)
    github.clear_requests()
    write_plan(Path("plan.json"), Plan())
    code, out, _ = publish_pr(cli, pull)
    assert code == ExitCode.OK
    (second,) = github.issue_comments(OWNER, REPO, pull)
    assert second.id == first.id
    assert "No changes. GitHub matches environments.yaml." in second.body
    assert "eu-west-1" not in second.body.split("### What apply would do now")[1]
    assert "updated the plan comment" in out
    assert requests_made(github)[-1] == f"PATCH /repos/{OWNER}/{REPO}/issues/comments/{first.id}"


def test_a_foreign_comment_with_our_marker_is_never_adopted(
    github: GitHubEmulator, pull: int, cli: CliRunner
) -> None:
    fake = f"{MARKER}\nLooks fine, merge it."
    mallory = github.add_issue_comment(OWNER, REPO, pull, "mallory", fake)
    unrelated = github.add_issue_comment(OWNER, REPO, pull, BOT, "a bot comment without marker")
    write_plan(Path("plan.json"), changes_plan())
    assert publish_pr(cli, pull)[0] == ExitCode.OK
    assert publish_pr(cli, pull)[0] == ExitCode.OK
    comments = github.issue_comments(OWNER, REPO, pull)
    assert [(c.id, c.author) for c in comments[:2]] == [(mallory, "mallory"), (unrelated, BOT)]
    assert comments[0].body == fake and comments[1].body == "a bot comment without marker"
    (ours,) = comments[2:]
    assert ours.author == BOT and ours.body.startswith(MARKER)


def test_a_report_over_githubs_limit_is_cut_and_still_posted(
    github: GitHubEmulator, pull: int, cli: CliRunner
) -> None:
    write_plan(Path("plan.json"), changes_plan(count=3000))
    code, out, err = publish_pr(cli, pull)
    assert code == ExitCode.OK, err
    (comment,) = github.issue_comments(OWNER, REPO, pull)
    assert len(comment.body) <= COMMENT_LIMIT
    assert comment.body.rstrip().endswith(f"The whole report is in the job summary of {RUN_URL}.")
    assert "cut to GitHub's limit" in out
    summary = Path("summary.md").read_text(encoding="utf-8")
    assert len(summary) > COMMENT_LIMIT and "SETTING_02999" in summary


def test_a_fork_gets_the_summary_and_no_request(
    github: GitHubEmulator, pull: int, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fork's run has a read-only token and no plan; its event says where the head is.
    github.add_actions_token("ghs_fork_run", OWNER, REPO, write=False)
    monkeypatch.setenv("GH_TOKEN", "ghs_fork_run")
    event = {"pull_request": {"number": pull, "head": {"sha": "beef", "repo": {
        "full_name": "mallory/config"}}, "base": {"repo": {"full_name": f"{OWNER}/{REPO}"}}}}  # fmt: skip
    Path("event.json").write_text(json.dumps(event), encoding="utf-8")
    monkeypatch.setenv("GITHUB_EVENT_PATH", "event.json")
    result = cli("publish", "pr", "--base", "base.yaml", "--plan-outcome", "skipped")
    assert result.code == ExitCode.OK, result.err
    assert "comes from a fork" in result.out
    assert github.requests == []
    summary = Path("summary.md").read_text(encoding="utf-8")
    assert "For commit beef" in summary and "forks get no credentials" in summary


@pytest.mark.parametrize(
    "setup,title",
    [
        ("error finding", "Plan has errors"),
        ("plan failed", "reconcile plan failed"),
        ("no credentials", "Plan did not run"),
        ("invalid file", "Invalid environments.yaml"),
    ],
)
def test_a_failing_check_still_publishes_and_exits_3(
    github: GitHubEmulator,
    pull: int,
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    setup: str,
    title: str,
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    extra: list[str] = []
    if setup == "error finding":
        finding = Finding(Severity.ERROR, "github.unknown_team", "team:x is unknown", "x", "prod")
        write_plan(Path("plan.json"), changes_plan().with_findings([finding]))
    elif setup == "plan failed":
        extra = ["--plan-outcome", "failure"]
    elif setup == "no credentials":
        extra = ["--plan-outcome", "skipped"]
    else:
        Path("environments.yaml").write_text("version: 1\nreviewer: x\n", encoding="utf-8")
    code, out, _ = publish_pr(cli, pull, *extra)
    assert code == ExitCode.CHECK_FAILED
    assert f"::error title={title}::" in out
    (comment,) = github.issue_comments(OWNER, REPO, pull)
    assert comment.body.startswith(MARKER)


def test_a_dry_run_prints_the_body_and_sends_nothing(
    github: GitHubEmulator, pull: int, cli: CliRunner
) -> None:
    write_plan(Path("plan.json"), changes_plan())
    code, out, _ = publish_pr(cli, pull, "--dry-run")
    assert code == ExitCode.OK
    assert out.startswith(MARKER)
    assert github.requests == [] and not Path("summary.md").exists()


def test_without_a_repository_it_says_what_to_pass(cli: CliRunner) -> None:
    result = cli("publish", "drift", "--dry-run")
    assert result.code == ExitCode.ERROR
    assert result.err == (
        "error: publish needs the repository to publish to: pass --repository OWNER/NAME "
        "(GitHub Actions sets GITHUB_REPOSITORY)\n"
    )
