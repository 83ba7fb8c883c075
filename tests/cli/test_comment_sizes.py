"""The drift issue body and the PR comment, built from a REAL large plan (issue 6).

100 repositories x 3 environments against a fresh sandbox: every change is a
create, so the plan and the diff are as long as they get, and both are well
past the limit (each test asserts that it was cut). `reconcile publish`
(as the workflows call it, with --dry-run to print the body) then composes the
issue body and the comment, and both must fit GitHub's 65,536-character limit,
say that they were shortened and where the whole report is, and still show
what a reader needs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from integration.helpers import CliRunner, SandboxFactory

# A 100-repository plan against the sandbox.
pytestmark = pytest.mark.slow

GITHUB_LIMIT = 65_536
REPOSITORIES = 100
OWNER = "Big-Org"
RUN_URL = "https://github.com/acme/config/actions/runs/42"
# The plan renderer's note, and the report's when it cut the body.
RENDERER_NOTE = "This summary is shortened to fit"
REPORT_NOTE = "**Truncated:**"


def _config(repositories: int, *, flag: str) -> str:
    """A config without AWS references, so the sandbox needs no per-repository roles."""
    repos = "".join(
        f"  service-{i:03d}:\n    secrets:\n      DEPLOY_TOKEN: {{env: BIG_DEPLOY_TOKEN}}\n"
        for i in range(repositories)
    )
    return f"""\
version: 1
github:
  owner: {OWNER}
prune: false
environments:
  dev:
    required_approvals: 0
  staging:
    required_approvals: 1
    reviewers: [team:platform-approvers]
  prod:
    required_approvals: 2
    reviewers: [team:platform-approvers, user:release-manager]
    deployment_branches: [main]
    deployment_tags: ["v*"]
variables:
  SERVICE_URL: "https://{{repo}}.{{env}}.example.com"
  FEATURE_FLAG: "{flag}"
repositories:
{repos}"""


# Both tests read the same files; a worker makes them once.
_MADE: dict[str, tuple[Path, Path, Path]] = {}


@pytest.fixture
def big_plan(
    make_sandbox: SandboxFactory,
    cli: CliRunner,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Path, Path, Path]:
    """(the saved plan against a fresh sandbox, the pull request's file, the base's)."""
    if "big" not in _MADE:
        _MADE["big"] = _make_big_plan(make_sandbox, cli, tmp_path_factory.mktemp("big"),
                                      monkeypatch)  # fmt: skip
    return _MADE["big"]


def _make_big_plan(
    make_sandbox: SandboxFactory,
    cli: CliRunner,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Path, Path, Path]:
    monkeypatch.setenv("BIG_DEPLOY_TOKEN", "not-read-by-plan")
    new = folder / "environments.yaml"
    new.write_text(_config(REPOSITORIES, flag="on"), encoding="utf-8")
    old = folder / "base-environments.yaml"
    old.write_text(_config(20, flag="off"), encoding="utf-8")
    sandbox = make_sandbox(new)
    # The sandbox's default primary budget is GitHub's 5,000 an hour; this plan
    # and the other tests of the worker share it.
    sandbox.github.set_primary_limit(50_000)
    # The `cli` fixture runs unpaced: GitHub's 900 points a minute would make this
    # one plan take minutes, and the emulator enforces no such limit here.
    plan = folder / "plan.json"
    planned = cli("plan", "-c", new, "--out", plan)
    assert planned.code == 0, planned.err
    # 12 creates a repository: 3 environments, 2 variables in each, 2 policies, 1 secret.
    assert f"Plan: {REPOSITORIES * 12} to create, 0 to update" in planned.out
    return plan, new, old


def _body(out: str, marker: str) -> str:
    """The body a dry run printed, without its closing line."""
    return out[out.index(marker) : out.rindex("\n(dry run: ")]


def test_drift_issue_body_from_a_real_plan_fits(
    big_plan: tuple[Path, Path, Path], cli: CliRunner
) -> None:
    plan, _, _ = big_plan
    result = cli("publish", "drift", "--plan", plan, "--repository", "acme/config",
                 "--run-url", RUN_URL, "--dry-run")  # fmt: skip
    assert result.code == 0, result.err
    body = _body(result.out, "<!-- reconcile-drift -->")
    assert len(body) <= GITHUB_LIMIT, len(body)
    assert "found drift between `environments.yaml`" in body
    assert REPORT_NOTE in body and body.rstrip().endswith(f"{RUN_URL}.")
    # The top of the plan (title and totals) survives whatever is cut.
    assert f"**Plan: {REPOSITORIES * 12} to create, 0 to update" in body
    assert RENDERER_NOTE in body


def test_pr_comment_from_a_real_plan_and_diff_fits(
    big_plan: tuple[Path, Path, Path], cli: CliRunner
) -> None:
    plan, new, old = big_plan
    result = cli("publish", "pr", "-c", new, "--base", old, "--plan", plan, "--repository",
                 "acme/config", "--number", "1", "--run-url", RUN_URL, "--dry-run")  # fmt: skip
    assert result.code == 0, result.err
    comment = _body(result.out, "<!-- reconcile-plan -->")
    assert len(comment) <= GITHUB_LIMIT, len(comment)
    assert comment.startswith("<!-- reconcile-plan -->\n")
    assert REPORT_NOTE in comment and comment.rstrip().endswith(f"{RUN_URL}.")
    # Both parts of the sticky comment (issue 6), each with at least its totals line:
    # a diff that fills the comment must not push "what apply would do now" out of it.
    changes = comment.index("### What this pull request changes")
    diff_totals = f"**the base branch's environments.yaml → environments.yaml: {(REPOSITORIES - 20) * 12} to create, 60 to update"
    assert diff_totals in comment[changes:]
    assert "### What apply would do now" in comment, "the live plan part was cut off"
    apply_now = comment.index("### What apply would do now")
    assert f"**Plan: {REPOSITORIES * 12} to create, 0 to update" in comment[apply_now:]
