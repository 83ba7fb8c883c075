"""The `run:` scripts: bash syntax, and their behaviour with fake `gh` and `reconcile`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .workflow_files import (
    StepRun,
    all_steps,
    placeholder_expressions,
    run_step,
    workflow,
    workflow_paths,
    write_executable,
)

GITHUB_LIMIT = 65_536
RUN_URL = "https://github.com/acme/config/actions/runs/42"

# Records each call (argv, one per line, then ---), keeps a copy of any --body-file,
# and answers `--jq` queries by running real jq over $FAKE_GH_JSON.
FAKE_GH = r"""#!/usr/bin/env bash
set -euo pipefail
log="$FAKE_LOG_DIR/gh.log"
n=$(ls "$FAKE_LOG_DIR" | grep -c '^body' || true)
prev=""
for arg in "$@"; do
  printf '%s\n' "$arg" >> "$log"
  if [[ "$prev" == "--body-file" ]]; then cp "$arg" "$FAKE_LOG_DIR/body$n"; fi
  if [[ "$arg" == body=@* ]]; then cp "${arg#body=@}" "$FAKE_LOG_DIR/body$n"; fi
  prev="$arg"
done
echo --- >> "$log"
args=" $* "
if [[ "$args" == *" --jq "* ]]; then
  filter=""
  prev=""
  for arg in "$@"; do [[ "$prev" == "--jq" ]] && filter="$arg"; prev="$arg"; done
  jq -r "$filter" <<< "${FAKE_GH_JSON:-[]}"
fi
"""

# Prints $FAKE_STDOUT_FILE, writes $FAKE_PLAN_JSON to --out, exits $FAKE_RC.
FAKE_RECONCILE = r"""#!/usr/bin/env bash
set -euo pipefail
printf '%s\n' "$*" >> "$FAKE_LOG_DIR/reconcile.log"
prev=""
for arg in "$@"; do
  [[ "$prev" == "--out" ]] && printf '%s' "${FAKE_PLAN_JSON:-{\}}" > "$arg"
  prev="$arg"
done
if [[ "$1" == "diff" ]]; then cp "$2" "$FAKE_LOG_DIR/diff-old.yaml"; fi
if [[ -n "${FAKE_STDOUT_FILE:-}" ]]; then cat "$FAKE_STDOUT_FILE"; fi
exit "${FAKE_RC:-0}"
"""


def run_scripts() -> list[tuple[str, str, str]]:
    return [
        (path.name, str(s.get("name")), s["run"])
        for path in workflow_paths()
        for s in all_steps(workflow(path.name))
        if "run" in s
    ]


@pytest.mark.parametrize("where,name,script", run_scripts(), ids=lambda v: str(v)[:40])
def test_run_script_is_valid_bash(where: str, name: str, script: str, tmp_path: Path) -> None:
    file = tmp_path / "script.sh"
    file.write_text(placeholder_expressions(script), encoding="utf-8")
    proc = subprocess.run(["bash", "-n", str(file)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{where} / {name}: {proc.stderr}"


def test_bash_syntax_check_catches_errors(tmp_path: Path) -> None:
    file = tmp_path / "bad.sh"
    file.write_text("if true; then\n  echo ${{ x }}\n", encoding="utf-8")
    file.write_text(placeholder_expressions(file.read_text()), encoding="utf-8")
    proc = subprocess.run(["bash", "-n", str(file)], capture_output=True, check=False)
    assert proc.returncode != 0


class Sandbox:
    """A working directory with fake `gh` and `reconcile` first on PATH."""

    def __init__(self, root: Path) -> None:
        self.cwd = root / "work"
        self.bin = root / "bin"
        self.logs = root / "logs"
        for d in (self.cwd, self.bin, self.logs):
            d.mkdir()
        write_executable(self.bin / "gh", FAKE_GH)
        write_executable(self.bin / "reconcile", FAKE_RECONCILE)
        self.fake_env: dict[str, str] = {"FAKE_LOG_DIR": str(self.logs)}

    def run(self, wf: str, step_name: str, **values: str) -> StepRun:
        # The fakes read FAKE_* from the env; pass them through a wrapper that exports them.
        wrapper_bin = self.bin.parent / "wrapped"
        wrapper_bin.mkdir(exist_ok=True)
        exports = "".join(f"export {k}={json.dumps(v)}\n" for k, v in self.fake_env.items())
        for tool in ("gh", "reconcile"):
            write_executable(
                wrapper_bin / tool, f'#!/usr/bin/env bash\n{exports}exec "{self.bin / tool}" "$@"\n'
            )
        return run_step(workflow(wf), step_name, self.cwd, wrapper_bin, values)

    def gh_calls(self) -> list[list[str]]:
        log = self.logs / "gh.log"
        if not log.exists():
            return []
        calls: list[list[str]] = []
        current: list[str] = []
        for line in log.read_text(encoding="utf-8").splitlines():
            if line == "---":
                calls.append(current)
                current = []
            else:
                current.append(line)
        return calls

    def mutating_gh_calls(self) -> list[list[str]]:
        return [c for c in self.gh_calls() if c[:2] != ["issue", "list"] and "--jq" not in c]

    def body(self, index: int) -> str:
        return (self.logs / f"body{index}").read_bytes().decode("utf-8")


@pytest.fixture
def box(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


# --- drift.yml --------------------------------------------------------------


def drift_plan(box: Sandbox, rc: int, markdown: str = "| change |\n") -> StepRun:
    (box.cwd.parent / "out.md").write_text(markdown, encoding="utf-8")
    box.fake_env.update(FAKE_RC=str(rc), FAKE_STDOUT_FILE=str(box.cwd.parent / "out.md"))
    return box.run("drift.yml", "Plan", GITHUB_APP_ID="1", GITHUB_APP_PRIVATE_KEY="pem")


@pytest.mark.parametrize("rc,ok", [(0, True), (2, True), (1, False), (3, False)])
def test_drift_plan_step_exit_codes(box: Sandbox, rc: int, ok: bool) -> None:
    result = drift_plan(box, rc, "### Plan body\n")
    assert (result.returncode == 0) is ok
    assert result.outputs["exitcode"] == str(rc)
    if ok:
        assert "### Plan body" in result.summary
    assert (box.cwd / "plan.md").read_text() == "### Plan body\n"
    (call,) = (box.logs / "reconcile.log").read_text().splitlines()
    assert call.startswith("plan --detailed-exitcode --format markdown")


def sync(box: Sandbox, plan_exit: int, plan: str, open_issue: int | None) -> StepRun:
    (box.cwd / "plan.md").write_text(plan, encoding="utf-8")
    box.fake_env["FAKE_GH_JSON"] = json.dumps([{"number": open_issue}] if open_issue else [])
    return box.run(
        "drift.yml",
        "Sync the drift issue",
        GH_TOKEN="ghs_fake",
        GH_REPO="acme/config",
        PLAN_EXIT=str(plan_exit),
        RUN_URL=RUN_URL,
    )


def test_drift_opens_a_labelled_issue(box: Sandbox) -> None:
    result = sync(box, 2, "| create | prod |\n", None)
    assert result.returncode == 0, result.stderr
    label, create = box.mutating_gh_calls()
    assert label[:3] == ["label", "create", "environment-drift"]
    assert create[:2] == ["issue", "create"]
    assert create[create.index("--title") + 1] == "Environment drift"
    assert create[create.index("--label") + 1] == "environment-drift"
    body = box.body(0)
    assert "| create | prod |" in body and RUN_URL in body
    assert "Truncated" not in body


def test_drift_updates_the_open_issue(box: Sandbox) -> None:
    result = sync(box, 2, "| update | staging |\n", 7)
    assert result.returncode == 0, result.stderr
    (edit,) = box.mutating_gh_calls()
    assert edit[:3] == ["issue", "edit", "7"]
    assert "| update | staging |" in box.body(0)
    listing = box.gh_calls()[0]
    assert listing[listing.index("--label") + 1] == "environment-drift"
    assert listing[listing.index("--state") + 1] == "open"


def test_drift_closes_the_issue_when_clean(box: Sandbox) -> None:
    result = sync(box, 0, "No changes.\n", 7)
    assert result.returncode == 0, result.stderr
    (close,) = box.mutating_gh_calls()
    assert close[:3] == ["issue", "close", "7"]
    assert RUN_URL in close[close.index("--comment") + 1]


def test_drift_clean_without_issue_touches_nothing(box: Sandbox) -> None:
    assert sync(box, 0, "No changes.\n", None).returncode == 0
    assert box.mutating_gh_calls() == []


def test_drift_issue_body_is_truncated_to_githubs_limit(box: Sandbox) -> None:
    row = "| update | prod | AWS_DEPLOYER_ROLE_ARN | é→✓ |\n"
    result = sync(box, 2, row * 4000, None)
    assert result.returncode == 0, result.stderr
    body = box.body(0)  # decoding proves no multi-byte character was cut in half
    assert len(body) <= GITHUB_LIMIT
    assert len(body.encode()) <= GITHUB_LIMIT
    assert len(body) > GITHUB_LIMIT // 2
    assert body.rstrip().endswith(RUN_URL)
    assert "**Truncated:**" in body


# --- plan-pr.yml ------------------------------------------------------------


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def diff_step(box: Sandbox, base_content: str | None, head_valid: bool = True) -> StepRun:
    # A throwaway repository whose origin/main holds the base branch's file.
    git(box.cwd, "init", "-q", "-b", "work")
    if base_content is not None:
        (box.cwd / "environments.yaml").write_text(base_content)
    (box.cwd / "README").write_text("x")
    git(box.cwd, "add", "-A")
    git(box.cwd, "commit", "-q", "-m", "base")
    git(box.cwd, "update-ref", "refs/remotes/origin/main", "HEAD")
    (box.cwd / "environments.yaml").write_text("version: 1  # head\n")
    (box.cwd.parent / "out.md").write_text("#### diff output\n")
    box.fake_env.update(FAKE_STDOUT_FILE=str(box.cwd.parent / "out.md"))
    return box.run(
        "plan-pr.yml",
        "Diff against the base branch",
        BASE_REF="main",
        HEAD_VALID="true" if head_valid else "false",
    )


def test_plan_pr_diffs_against_the_base_file(box: Sandbox) -> None:
    result = diff_step(box, "version: 1  # base\n")
    assert result.returncode == 0, result.stderr
    assert result.outputs["exitcode"] == "0"
    assert (box.logs / "diff-old.yaml").read_text() == "version: 1  # base\n"
    assert (box.cwd / "diff.md").read_text() == "#### diff output\n"
    calls = (box.logs / "reconcile.log").read_text().splitlines()
    assert calls == [
        "validate -c base-environments.yaml",
        "diff base-environments.yaml environments.yaml --format markdown",
    ]


def test_plan_pr_handles_a_new_file(box: Sandbox) -> None:
    result = diff_step(box, None)
    assert result.returncode == 0, result.stderr
    assert "new in this pull request" in (box.cwd / "diff.md").read_text()
    assert not (box.logs / "reconcile.log").exists()


def test_plan_pr_skips_the_diff_when_head_is_invalid(box: Sandbox) -> None:
    assert diff_step(box, "version: 1\n", head_valid=False).returncode == 0
    assert "does not validate" in (box.cwd / "diff.md").read_text()


def plan_step(box: Sandbox, rc: int, plan: dict[str, Any] | None) -> StepRun:
    box.fake_env.update(FAKE_RC=str(rc), FAKE_PLAN_JSON=json.dumps(plan) if plan else "{")
    return box.run(
        "plan-pr.yml", "Plan against live state", GITHUB_APP_ID="1", GITHUB_APP_PRIVATE_KEY="k"
    )


@pytest.mark.parametrize(
    "rc,errors,expected",
    [(0, 0, "0"), (2, 0, "0"), (2, 3, "3"), (1, 0, "0")],
)
def test_plan_pr_reads_error_count_from_plan_json(
    box: Sandbox, rc: int, errors: int, expected: str
) -> None:
    result = plan_step(box, rc, {"version": 1, "summary": {"errors": errors, "create": 1}})
    assert result.returncode == 0, result.stderr
    assert result.outputs == {"exitcode": str(rc), "errors": expected}


def test_plan_pr_unreadable_plan_json_is_not_zero_errors(box: Sandbox) -> None:
    result = plan_step(box, 2, None)
    assert result.outputs["errors"] == "unknown"


def gate(box: Sandbox, **values: str) -> int:
    defaults = {
        "VALIDATE_EXIT": "0",
        "DIFF_EXIT": "0",
        "PLAN_RAN": "true",
        "PLAN_EXIT": "0",
        "PLAN_ERRORS": "0",
    }
    return box.run("plan-pr.yml", "Gate", **(defaults | values)).returncode


@pytest.mark.parametrize(
    "values,passes",
    [
        ({}, True),
        ({"PLAN_EXIT": "2", "PLAN_ERRORS": "0"}, True),  # changes only: expected in a PR
        ({"PLAN_EXIT": "2", "PLAN_ERRORS": "2"}, False),
        ({"PLAN_EXIT": "2", "PLAN_ERRORS": "unknown"}, False),
        ({"PLAN_EXIT": "1"}, False),
        ({"VALIDATE_EXIT": "1", "PLAN_RAN": "false", "PLAN_EXIT": "", "PLAN_ERRORS": ""}, False),
        ({"DIFF_EXIT": "1"}, False),
        ({"PLAN_RAN": "false", "PLAN_EXIT": "", "PLAN_ERRORS": ""}, True),  # fork
    ],
)
def test_plan_pr_gate(box: Sandbox, values: dict[str, str], passes: bool) -> None:
    assert (gate(box, **values) == 0) is passes


def comment(box: Sandbox, plan: str = "| create | dev |\n", **values: str) -> str:
    (box.cwd / "validate.txt").write_text("line 3: unknown key 'reviewer'\n")
    (box.cwd / "diff.md").write_text("+ prod reviewers: user:octocat\n", encoding="utf-8")
    (box.cwd / "plan.md").write_text(plan, encoding="utf-8")
    defaults = {
        "VALIDATE_EXIT": "0",
        "PLAN_RAN": "true",
        "PLAN_EXIT": "2",
        "SAME_REPO": "true",
        "RUN_URL": RUN_URL,
        "HEAD_SHA": "abc123",
    }
    result = box.run("plan-pr.yml", "Write the plan comment", **(defaults | values))
    assert result.returncode == 0, result.stderr
    text = (box.cwd / "comment.md").read_bytes().decode("utf-8")
    assert result.summary == text
    return text


def test_plan_pr_comment_has_marker_and_both_parts(box: Sandbox) -> None:
    text = comment(box)
    assert text.startswith("<!-- reconcile-plan -->\n")
    changes = text.index("### What this pull request changes")
    apply_now = text.index("### What apply would do now")
    assert changes < text.index("+ prod reviewers: user:octocat") < apply_now
    assert text.index("| create | dev |") > apply_now
    assert "does not validate" not in text


def test_plan_pr_comment_for_a_fork(box: Sandbox) -> None:
    text = comment(box, PLAN_RAN="false", PLAN_EXIT="", SAME_REPO="false")
    assert "forks get no credentials" in text
    assert "| create | dev |" not in text


def test_plan_pr_comment_shows_validation_errors(box: Sandbox) -> None:
    text = comment(box, VALIDATE_EXIT="1", PLAN_RAN="false", PLAN_EXIT="")
    assert "unknown key 'reviewer'" in text
    assert "must validate first" in text


def test_plan_pr_comment_on_plan_failure(box: Sandbox) -> None:
    text = comment(box, PLAN_EXIT="1")
    assert "reconcile plan failed (exit 1)" in text
    assert "| create | dev |" not in text


def test_plan_pr_comment_is_truncated_to_githubs_limit(box: Sandbox) -> None:
    text = comment(box, plan="| update | ünïcödé ✓ |\n" * 5000)
    assert len(text.encode()) <= GITHUB_LIMIT
    assert text.startswith("<!-- reconcile-plan -->")
    assert text.rstrip().endswith(RUN_URL)


def post(box: Sandbox, existing: list[dict[str, Any]]) -> list[list[str]]:
    (box.cwd / "comment.md").write_text("<!-- reconcile-plan -->\nnew body\n")
    box.fake_env["FAKE_GH_JSON"] = json.dumps(existing)
    result = box.run(
        "plan-pr.yml",
        "Post or update the sticky comment",
        GH_TOKEN="ghs_fake",
        REPO="acme/config",
        PR_NUMBER="5",
    )
    assert result.returncode == 0, result.stderr
    return [c for c in box.gh_calls() if "--jq" not in c]


def test_plan_pr_updates_its_own_sticky_comment(box: Sandbox) -> None:
    existing = [
        {"id": 11, "user": {"login": "mallory"}, "body": "<!-- reconcile-plan --> fake"},
        {"id": 12, "user": {"login": "github-actions[bot]"}, "body": "unrelated"},
        {
            "id": 13,
            "user": {"login": "github-actions[bot]"},
            "body": "<!-- reconcile-plan -->\nold",
        },
    ]
    (patch,) = post(box, existing)
    assert patch[:4] == ["api", "-X", "PATCH", "repos/acme/config/issues/comments/13"]
    assert box.body(0) == "<!-- reconcile-plan -->\nnew body\n"


def test_plan_pr_creates_the_comment_when_none(box: Sandbox) -> None:
    existing = [{"id": 11, "user": {"login": "mallory"}, "body": "<!-- reconcile-plan -->"}]
    (create,) = post(box, existing)
    assert create[:4] == ["api", "-X", "POST", "repos/acme/config/issues/5/comments"]


# --- apply.yml --------------------------------------------------------------


@pytest.mark.parametrize("rc", [0, 1])
def test_apply_step_reports_and_propagates_exit_code(box: Sandbox, rc: int) -> None:
    (box.cwd.parent / "out.md").write_text("applied 3 changes\n")
    box.fake_env.update(FAKE_RC=str(rc), FAKE_STDOUT_FILE=str(box.cwd.parent / "out.md"))
    result = box.run("apply.yml", "Apply", GITHUB_APP_ID="1", GITHUB_APP_PRIVATE_KEY="k")
    assert result.returncode == rc
    assert "applied 3 changes" in result.summary
    assert f"exit {rc}" in result.summary
    (call,) = (box.logs / "reconcile.log").read_text().splitlines()
    assert call.startswith("apply --yes --audit-log audit.jsonl")
