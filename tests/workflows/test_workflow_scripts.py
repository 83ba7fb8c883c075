"""The `run:` scripts: bash syntax, and their behaviour with a fake `reconcile`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

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

# Records its argv, prints $FAKE_STDOUT_FILE, writes $FAKE_PLAN_JSON to --out, exits $FAKE_RC.
FAKE_RECONCILE = r"""#!/usr/bin/env bash
set -euo pipefail
printf '%s\n' "$*" >> "$FAKE_LOG_DIR/reconcile.log"
prev=""
for arg in "$@"; do
  [[ "$prev" == "--out" ]] && printf '%s' "${FAKE_PLAN_JSON:-{\}}" > "$arg"
  prev="$arg"
done
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
    """A working directory with a fake `reconcile` first on PATH."""

    def __init__(self, root: Path) -> None:
        self.cwd = root / "work"
        self.bin = root / "bin"
        self.logs = root / "logs"
        for d in (self.cwd, self.bin, self.logs):
            d.mkdir()
        write_executable(self.bin / "reconcile", FAKE_RECONCILE)
        self.fake_env: dict[str, str] = {"FAKE_LOG_DIR": str(self.logs)}

    def run(self, wf: str, step_name: str, *, job: str | None = None, **values: str) -> StepRun:
        # The fake reads FAKE_* from the env; pass them through a wrapper that exports them.
        wrapper_bin = self.bin.parent / "wrapped"
        wrapper_bin.mkdir(exist_ok=True)
        exports = "".join(f"export {k}={json.dumps(v)}\n" for k, v in self.fake_env.items())
        write_executable(
            wrapper_bin / "reconcile",
            f'#!/usr/bin/env bash\n{exports}exec "{self.bin / "reconcile"}" "$@"\n',
        )
        return run_step(workflow(wf), step_name, self.cwd, wrapper_bin, values, job=job)

    def calls(self) -> list[str]:
        log = self.logs / "reconcile.log"
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    def answer(self, rc: int, stdout: str = "") -> None:
        (self.cwd.parent / "out").write_text(stdout, encoding="utf-8")
        self.fake_env.update(FAKE_RC=str(rc), FAKE_STDOUT_FILE=str(self.cwd.parent / "out"))


@pytest.fixture
def box(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


APP = {"GITHUB_APP_ID": "1", "GITHUB_APP_PRIVATE_KEY": "pem"}


# --- drift.yml --------------------------------------------------------------


@pytest.mark.parametrize("rc", [0, 1])
def test_drift_plan_step_saves_the_plan_and_fails_with_it(box: Sandbox, rc: int) -> None:
    box.answer(rc)
    box.fake_env["FAKE_PLAN_JSON"] = '{"version": 1}'
    result = box.run("drift.yml", "Plan", **APP)
    assert result.returncode == rc
    assert box.calls() == ["plan --out plan.json"]
    assert (box.cwd / "plan.json").read_text() == '{"version": 1}'


@pytest.mark.parametrize("rc", [0, 1])
def test_drift_audit_step_writes_the_json_and_fails_with_it(box: Sandbox, rc: int) -> None:
    box.answer(rc, '{"version": 1, "deployments": []}\n')
    result = box.run("drift.yml", "Audit approvals", **APP)
    assert result.returncode == rc
    assert box.calls() == ["approvals --since 36h --format json"]
    assert (box.cwd / "approvals.json").read_text() == '{"version": 1, "deployments": []}\n'


@pytest.mark.parametrize("rc", [0, 1, 3])
def test_drift_publish_step_passes_the_verdict_on(box: Sandbox, rc: int) -> None:
    box.answer(rc)
    result = box.run("drift.yml", "Publish", GH_TOKEN="ghs_fake")
    assert result.returncode == rc
    assert box.calls() == ["publish drift --plan plan.json --approvals approvals.json"]


# --- plan-pr.yml ------------------------------------------------------------


def test_plan_pr_plan_step_saves_the_plan(box: Sandbox) -> None:
    box.answer(0)
    assert box.run("plan-pr.yml", "Plan", **APP).returncode == 0
    assert box.calls() == ["plan --out plan.json"]


@pytest.mark.parametrize("outcome", ["success", "failure", "skipped"])
@pytest.mark.parametrize("rc", [0, 3])
def test_plan_pr_publish_step_hands_over_the_plan_jobs_result(
    box: Sandbox, outcome: str, rc: int
) -> None:
    box.answer(rc)
    result = box.run("plan-pr.yml", "Publish", GH_TOKEN="ghs_fake", PLAN_RESULT=outcome)
    assert result.returncode == rc
    assert box.calls() == [
        f"publish pr --base base/environments.yaml --plan plan.json --plan-outcome {outcome}"
    ]


# --- apply.yml --------------------------------------------------------------


@pytest.mark.parametrize("rc", [0, 1])
def test_apply_step_reports_and_propagates_exit_code(box: Sandbox, rc: int) -> None:
    box.answer(rc, "applied 3 changes\n")
    result = box.run("apply.yml", "Apply", **APP)
    assert result.returncode == rc
    assert "applied 3 changes" in result.summary
    assert f"exit {rc}" in result.summary
    assert ("::error title=reconcile apply failed::" in result.stdout) is (rc != 0)
    (call,) = box.calls()
    assert call.startswith("apply --yes --audit-log audit.jsonl")
