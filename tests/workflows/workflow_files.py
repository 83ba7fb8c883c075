"""Loading the workflow files and running their `run:` scripts outside GitHub."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isolation import TEST_ENVIRONMENT
from ruamel.yaml import YAML

WORKFLOW_DIR = Path(__file__).resolve().parents[2] / ".github" / "workflows"
WORKFLOW_NAMES = ("ci.yml", "drift.yml", "plan-pr.yml", "apply.yml")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)


def workflow_paths() -> list[Path]:
    return sorted(WORKFLOW_DIR.glob("*.y*ml"))


def load(path: Path) -> dict[str, Any]:
    # YAML 1.2 (ruamel), like GitHub: under YAML 1.1 (PyYAML) the `on:` key becomes True.
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def workflow(name: str) -> dict[str, Any]:
    return load(WORKFLOW_DIR / name)


def all_steps(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def jobs(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = data["jobs"]
    return found


def step(data: Mapping[str, Any], name: str, *, job: str | None = None) -> dict[str, Any]:
    """The one step called `name` (in `job`, when several jobs have one)."""
    steps = all_steps(data) if job is None else jobs(data)[job].get("steps", [])
    matches = [s for s in steps if s.get("name") == name]
    assert len(matches) == 1, f"expected one step named {name!r}, found {len(matches)}"
    return matches[0]


def job_of(data: Mapping[str, Any], target: Mapping[str, Any]) -> dict[str, Any]:
    """The job a step belongs to."""
    return next(j for j in jobs(data).values() if any(s is target for s in j.get("steps", [])))


def only_job(data: Mapping[str, Any]) -> dict[str, Any]:
    jobs = list(data["jobs"].values())
    assert len(jobs) == 1
    job: dict[str, Any] = jobs[0]
    return job


def placeholder_expressions(script: str) -> str:
    return EXPRESSION.sub("PLACEHOLDER", script)


@dataclass(frozen=True)
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def run_step(
    data: Mapping[str, Any],
    name: str,
    cwd: Path,
    fake_bin: Path,
    values: Mapping[str, str],
    *,
    job: str | None = None,
) -> StepRun:
    """Run one step's script the way a runner would (`bash -e`).

    Only the env that the workflow declares (job + step) is passed, so a script
    that reads a variable the workflow never provides fails under `set -u`.
    A declared value written as an expression must be supplied in `values`.
    """
    target = step(data, name, job=job)
    declared: dict[str, str] = {}
    declared.update(job_of(data, target).get("env", {}))
    declared.update(target.get("env", {}))
    env: dict[str, str] = {}
    for key, raw in declared.items():
        text = str(raw)
        if EXPRESSION.search(text):
            assert key in values, f"test must supply {key} (workflow sets it to {text!r})"
            env[key] = values[key]
        else:
            env[key] = text
    unknown = set(values) - set(declared)
    assert not unknown, f"step {name!r} does not declare {sorted(unknown)}"
    output_file = cwd / "github_output"
    summary_file = cwd / "step_summary"
    output_file.write_text("")
    summary_file.write_text("", encoding="utf-8")
    env.update(
        PATH=f"{fake_bin}{os.pathsep}{os.environ['PATH']}",
        HOME=str(cwd),
        LC_ALL="C.UTF-8",
        GITHUB_OUTPUT=str(output_file),
        GITHUB_STEP_SUMMARY=str(summary_file),
    )
    env.update(TEST_ENVIRONMENT)  # never reach for AWS instance metadata, or pace
    script = cwd / "step.sh"
    script.write_text(placeholder_expressions(target["run"]), encoding="utf-8")
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    outputs: dict[str, str] = {}
    for line in output_file.read_text().splitlines():
        key, _, value = line.partition("=")
        outputs[key] = value
    return StepRun(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        outputs,
        summary_file.read_text(encoding="utf-8"),
    )


def write_executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
