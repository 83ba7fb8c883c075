"""The drift issue body and the PR comment, built from a REAL large plan (issue 6).

300 repositories x 3 environments against a fresh sandbox: every change is a
create, so `reconcile plan --format markdown` and `reconcile diff --format
markdown` are as long as they get. The workflows' own `run:` scripts then build
the issue body and the comment (with a fake `gh`), and both must fit GitHub's
65,536-character limit, say that they were shortened, and still show what a
reader needs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from integration.helpers import CliRunner, SandboxFactory
from workflows.test_workflow_scripts import RUN_URL
from workflows.test_workflow_scripts import Sandbox as WorkflowBox

# A 300-repository plan against the sandbox.
pytestmark = pytest.mark.slow

GITHUB_LIMIT = 65_536
REPOSITORIES = 300
OWNER = "Big-Org"
# The renderer's own note, and the workflow scripts' note when they cut bytes.
RENDERER_NOTE = "This summary is shortened to fit"
WORKFLOW_NOTE = "**Truncated:**"


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


# Both tests read the same outputs; a worker renders them once.
_RENDERED: dict[str, tuple[str, str]] = {}


@pytest.fixture
def big_plan(
    make_sandbox: SandboxFactory,
    cli: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, str]:
    """(plan markdown against a fresh sandbox, diff markdown of a PR that grows the file)."""
    if "big" not in _RENDERED:
        _RENDERED["big"] = _render_big_plan(make_sandbox, cli, tmp_path, monkeypatch)
    return _RENDERED["big"]


def _render_big_plan(
    make_sandbox: SandboxFactory,
    cli: CliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, str]:
    monkeypatch.setenv("BIG_DEPLOY_TOKEN", "not-read-by-plan")
    new = tmp_path / "environments.yaml"
    new.write_text(_config(REPOSITORIES, flag="on"), encoding="utf-8")
    old = tmp_path / "base-environments.yaml"
    old.write_text(_config(20, flag="off"), encoding="utf-8")
    sandbox = make_sandbox(new)
    # 300 repositories need more requests than one hour of the default primary budget.
    sandbox.github.set_primary_limit(50_000)
    # The `cli` fixture runs unpaced: GitHub's 900 points a minute would make this
    # one plan take minutes, and the emulator enforces no such limit here.
    planned = cli("plan", "-c", new, "--format", "markdown", "--detailed-exitcode")
    assert planned.code == 2, planned.err
    diffed = cli("diff", old, new, "--format", "markdown")
    assert diffed.code == 0, diffed.err
    # 12 creates a repository: 3 environments, 2 variables in each, 2 policies, 1 secret.
    assert f"**Plan: {REPOSITORIES * 12} to create, 0 to update" in planned.out
    assert f"**{old} → {new}: {(REPOSITORIES - 20) * 12} to create, 60 to update" in diffed.out
    # Together far over one comment: the workflow must cut, not just the renderer.
    assert len(planned.out) + len(diffed.out) > 1.5 * GITHUB_LIMIT
    return planned.out, diffed.out


def _fits(text: str) -> None:
    assert len(text) <= GITHUB_LIMIT, len(text)
    assert len(text.encode("utf-8")) <= GITHUB_LIMIT


def test_drift_issue_body_from_a_real_plan_fits(big_plan: tuple[str, str], tmp_path: Path) -> None:
    plan_md, _ = big_plan
    (tmp_path / "drift").mkdir()
    box = WorkflowBox(tmp_path / "drift")
    (box.cwd / "plan.md").write_text(plan_md, encoding="utf-8")
    box.fake_env["FAKE_GH_JSON"] = "[]"
    result = box.run(
        "drift.yml",
        "Sync the drift issue",
        GH_TOKEN="ghs_fake",
        GH_REPO="acme/config",
        PLAN_EXIT="2",
        RUN_URL=RUN_URL,
    )
    assert result.returncode == 0, result.stderr
    body = box.body(0)
    _fits(body)
    assert body.startswith("The nightly `reconcile plan` found drift")
    assert RENDERER_NOTE in body or WORKFLOW_NOTE in body
    # The top of the plan (title, totals, the shortening note) survives whatever is cut.
    head = plan_md[: plan_md.index(RENDERER_NOTE)] if RENDERER_NOTE in plan_md else plan_md[:300]
    assert head in body


def test_pr_comment_from_a_real_plan_and_diff_fits(
    big_plan: tuple[str, str], tmp_path: Path
) -> None:
    plan_md, diff_md = big_plan
    (tmp_path / "pr").mkdir()
    box = WorkflowBox(tmp_path / "pr")
    (box.cwd / "validate.txt").write_text("environments.yaml: valid\n", encoding="utf-8")
    (box.cwd / "diff.md").write_text(diff_md, encoding="utf-8")
    (box.cwd / "plan.md").write_text(plan_md, encoding="utf-8")
    result = box.run(
        "plan-pr.yml",
        "Write the plan comment",
        VALIDATE_EXIT="0",
        PLAN_RAN="true",
        PLAN_EXIT="2",
        SAME_REPO="true",
        RUN_URL=RUN_URL,
        HEAD_SHA="abc123",
    )
    assert result.returncode == 0, result.stderr
    comment = (box.cwd / "comment.md").read_bytes().decode("utf-8")
    _fits(comment)
    assert comment.startswith("<!-- reconcile-plan -->\n")
    assert WORKFLOW_NOTE in comment and comment.rstrip().endswith(RUN_URL)
    # Both parts of the sticky comment (issue 6), each with at least its totals line:
    # a diff that fills the comment must not push "what apply would do now" out of it.
    changes = comment.index("### What this pull request changes")
    assert diff_md.splitlines()[2] in comment[changes:]
    assert "### What apply would do now" in comment, "the live plan part was cut off"
    apply_now = comment.index("### What apply would do now")
    assert plan_md.splitlines()[2] in comment[apply_now:]
