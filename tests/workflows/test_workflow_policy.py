"""Triggers, permissions, pins and secret hygiene of the workflows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .workflow_files import (
    WORKFLOW_DIR,
    all_steps,
    jobs,
    only_job,
    placeholder_expressions,
    step,
    workflow,
    workflow_paths,
)
from .workflow_files import load as load_path

SHA_PIN = re.compile(r"^(?P<action>[^@\s]+)@(?P<sha>[0-9a-f]{40})$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
VERSION_COMMENT = re.compile(r"^\s+# v\d+\.\d+\.\d+\s*$")
# Release commits found in public workflow files (see docs/ci.md, "Pinned actions").
EXPECTED_PINS = {
    "actions/checkout": ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
    "aws-actions/configure-aws-credentials": (
        "ececac1a45f3b08a01d2dd070d28d111c5fe6722",
        "v4.1.0",
    ),
}
SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository"
# About ten lines: what a step decides belongs in a tested `reconcile` command.
MAX_RUN_LINES = 10


def uses_lines() -> list[tuple[str, str, str]]:
    found = []
    for path in workflow_paths():
        for line in path.read_text(encoding="utf-8").splitlines():
            match = USES_LINE.match(line)
            if match:
                found.append((path.name, match["ref"], match["rest"]))
    return found


def triggers(data: dict[str, Any]) -> dict[str, Any]:
    on = data["on"]
    assert isinstance(on, dict), "triggers must be a mapping"
    return on


def run_text(data: dict[str, Any]) -> str:
    return "\n".join(s.get("run", "") for s in all_steps(data))


# --- pins -------------------------------------------------------------------


def test_there_are_uses_lines_to_check() -> None:
    assert len(uses_lines()) >= 10


@pytest.mark.parametrize("where,ref,rest", uses_lines(), ids=lambda v: str(v)[:60])
def test_every_action_is_pinned_to_a_full_sha_with_version_comment(
    where: str, ref: str, rest: str
) -> None:
    if ref.startswith("./"):
        return
    assert SHA_PIN.match(ref), f"{where}: {ref} is not pinned to a 40-hex commit"
    assert VERSION_COMMENT.match(rest), f"{where}: {ref} lacks a '# vX.Y.Z' comment"


def test_parsed_uses_agree_with_the_text_scan() -> None:
    # The line scan above could miss a `uses:` written in flow style; the parser cannot.
    parsed = [s["uses"] for p in workflow_paths() for s in all_steps(load_path(p)) if "uses" in s]
    assert sorted(parsed) == sorted(ref for _, ref, _ in uses_lines())
    for ref in parsed:
        assert ref.startswith("./") or SHA_PIN.match(ref), ref


def test_pins_are_the_known_release_commits() -> None:
    for where, ref, rest in uses_lines():
        match = SHA_PIN.match(ref)
        assert match, ref
        assert match["action"] in EXPECTED_PINS, f"{where}: unreviewed action {ref}"
        sha, version = EXPECTED_PINS[match["action"]]
        assert (match["sha"], rest.strip()) == (sha, f"# {version}"), where


# --- every workflow ---------------------------------------------------------


def holds_credentials(job: dict[str, Any]) -> bool:
    """The job reads a secret or assumes an AWS role."""
    return "secrets." in str(job) or "configure-aws-credentials" in str(job)


def writes(job: dict[str, Any]) -> set[str]:
    """What the job's token may write, beyond the OIDC token it may request."""
    perms = job.get("permissions") or {}
    return {scope for scope, level in perms.items() if level == "write" and scope != "id-token"}


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda p: p.name)
def test_least_privilege_permissions_and_timeouts(path: Path) -> None:
    data = load_path(path)
    perms = data.get("permissions")
    # Explicit at the top, and nothing writable there: a job asks for what it needs.
    assert perms in ({}, {"contents": "read"}), f"{path.name}: top-level permissions {perms}"
    for job_name, job in jobs(data).items():
        assert isinstance(job.get("timeout-minutes"), int), f"{job_name}: no timeout-minutes"
        assert job["timeout-minutes"] <= 60
        job_perms = job.get("permissions", perms)
        assert isinstance(job_perms, dict), f"{job_name}: permissions must be a mapping"
        assert set(job_perms.values()) <= {"read", "write", "none"}, job_name


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda p: p.name)
def test_no_job_holds_credentials_and_a_writing_token(path: Path) -> None:
    for job_name, job in jobs(load_path(path)).items():
        if holds_credentials(job):
            assert writes(job) == set(), f"{path.name}/{job_name} holds credentials"


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda p: p.name)
def test_run_blocks_are_short(path: Path) -> None:
    for s in all_steps(load_path(path)):
        lines = [line for line in s.get("run", "").splitlines() if line.strip()]
        assert len(lines) <= MAX_RUN_LINES, f"{path.name}/{s.get('name')}: {len(lines)} lines"


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda p: p.name)
def test_no_step_calls_gh(path: Path) -> None:
    # Issues and comments go through `reconcile publish`, which is tested.
    for s in all_steps(load_path(path)):
        assert not re.search(r"(^|[\s;|&(])gh\s", s.get("run", "")), s.get("name")


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda p: p.name)
def test_shell_steps_are_strict_and_expression_free(path: Path) -> None:
    for s in all_steps(load_path(path)):
        if "run" not in s:
            continue
        script = s["run"]
        first = next(line for line in script.splitlines() if line.strip())
        assert first.strip() == "set -euo pipefail", f"{path.name}/{s.get('name')}"
        # Values reach scripts through env:, never by text substitution (script injection).
        assert placeholder_expressions(script) == script, f"{path.name}/{s.get('name')}"


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda p: p.name)
def test_secrets_only_reach_step_env(path: Path) -> None:
    data = load_path(path)
    assert "secrets." not in str(data.get("env", {}))
    for job in data["jobs"].values():
        assert "secrets." not in str(job.get("env", {}))
        assert "secrets: inherit" not in str(job)
    for s in all_steps(data):
        assert "secrets." not in s.get("run", "")
        assert "secrets." not in str(s.get("with", {}))
        env = s.get("env", {})
        # With a token in its env reconcile may use it instead of the App; never hand it both.
        if "GITHUB_APP_PRIVATE_KEY" in env:
            assert not {"GH_TOKEN", "GITHUB_TOKEN"} & set(env), s.get("name")


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda p: p.name)
def test_no_pull_request_target(path: Path) -> None:
    assert "pull_request_target" not in triggers(load_path(path))


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda p: p.name)
def test_checkout_does_not_persist_the_token(path: Path) -> None:
    for s in all_steps(load_path(path)):
        if s.get("uses", "").startswith("actions/checkout@"):
            assert s["with"]["persist-credentials"] is False


# --- drift.yml --------------------------------------------------------------


def test_drift_runs_nightly_and_on_demand() -> None:
    on = triggers(workflow("drift.yml"))
    assert set(on) == {"schedule", "workflow_dispatch"}
    (entry,) = on["schedule"]
    minute, hour, dom, month, dow = entry["cron"].split()
    assert (dom, month, dow) == ("*", "*", "*")
    assert minute.isdigit() and hour.isdigit()


def test_drift_permissions() -> None:
    data = workflow("drift.yml")
    assert data["permissions"] == {}
    check, publish = jobs(data)["check"], jobs(data)["publish"]
    assert check["permissions"] == {"contents": "read", "id-token": "write"}
    assert publish["permissions"] == {"contents": "read", "issues": "write"}
    assert publish["needs"] == "check"
    assert publish["if"] == "${{ !cancelled() }}"


def test_drift_plans_and_audits_with_the_app_and_publishes_with_the_runs_token() -> None:
    data = workflow("drift.yml")
    aws = step(data, "AWS credentials (read role, OIDC)")
    assert aws["with"]["role-to-assume"] == "${{ vars.RECONCILE_AWS_READ_ROLE_ARN }}"
    plan = step(data, "Plan")
    assert set(plan["env"]) == {"GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY"}
    assert "reconcile plan --out plan.json" in plan["run"]
    audit = step(data, "Audit approvals")
    assert set(audit["env"]) == {"GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY"}
    assert audit["if"] == "${{ !cancelled() }}"
    assert "reconcile approvals --since 36h --format json > approvals.json" in audit["run"]
    keep = step(data, "Keep the reports for the publish job")
    assert keep["with"]["path"].split() == ["plan.json", "approvals.json"]
    fetch = step(data, "Fetch the reports")
    assert fetch["with"] == {"pattern": keep["with"]["name"], "merge-multiple": True}
    publish = step(data, "Publish")
    assert publish["env"] == {"GH_TOKEN": "${{ github.token }}"}
    assert "reconcile publish drift --plan plan.json --approvals approvals.json" in publish["run"]


# --- plan-pr.yml ------------------------------------------------------------


def test_plan_pr_triggers_on_environments_yaml() -> None:
    on = triggers(workflow("plan-pr.yml"))
    assert set(on) == {"pull_request"}
    assert "environments.yaml" in on["pull_request"]["paths"]


def test_plan_pr_explains_why_not_pull_request_target() -> None:
    text = (WORKFLOW_DIR / "plan-pr.yml").read_text(encoding="utf-8")
    head = text.split("\non:", 1)[0]
    assert "pull_request_target" in head and "fork" in head


def test_plan_pr_permissions_and_steps() -> None:
    data = workflow("plan-pr.yml")
    assert data["permissions"] == {}
    plan, comment = jobs(data)["plan"], jobs(data)["comment"]
    assert plan["permissions"] == {"contents": "read", "id-token": "write"}
    assert comment["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert "reconcile plan --out plan.json" in step(data, "Plan")["run"]
    base = step(data, "Check out the base branch's environments.yaml")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert base["with"]["path"] == "base"
    assert base["with"]["sparse-checkout"] == "environments.yaml"
    publish = step(data, "Publish")
    assert publish["env"] == {
        "GH_TOKEN": "${{ github.token }}",
        "PLAN_RESULT": "${{ needs.plan.result }}",
    }
    assert (
        'reconcile publish pr --base base/environments.yaml --plan plan.json --plan-outcome "$PLAN_RESULT"'
        in publish["run"]
    )
    assert comment["needs"] == "plan" and comment["if"] == "${{ !cancelled() }}"


def test_plan_pr_keeps_credentials_from_forks() -> None:
    data = workflow("plan-pr.yml")
    for job_name, job in jobs(data).items():
        if holds_credentials(job):
            assert job["if"] == SAME_REPO, job_name
    # The job a fork's pull request runs holds no secret and no AWS role.
    assert not holds_credentials(jobs(data)["comment"])


# --- apply.yml --------------------------------------------------------------


def test_apply_triggers() -> None:
    on = triggers(workflow("apply.yml"))
    assert set(on) == {"push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    assert on["push"]["paths"] == ["environments.yaml"]


def test_apply_runs_in_protected_environment_without_overlap() -> None:
    data = workflow("apply.yml")
    job = only_job(data)
    assert job["environment"] == "reconcile-apply"
    assert job["if"] == "github.ref == 'refs/heads/main'"
    concurrency = data.get("concurrency") or job.get("concurrency")
    assert isinstance(concurrency, dict)
    assert concurrency["group"] == "reconcile-apply"
    assert concurrency["cancel-in-progress"] is False
    assert data["permissions"] == {}
    assert job["permissions"] == {"contents": "read", "id-token": "write"}


def test_apply_uploads_the_audit_log_always() -> None:
    data = workflow("apply.yml")
    assert "reconcile apply --yes --audit-log audit.jsonl" in run_text(data)
    upload = step(data, "Upload the audit log")
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "audit.jsonl"
    names = [s.get("name") for s in all_steps(data)]
    assert names.index("Upload the audit log") > names.index("Apply")


# --- ci.yml -----------------------------------------------------------------


def test_ci_runs_make_test_on_python_311() -> None:
    data = workflow("ci.yml")
    assert {"push", "pull_request"} <= set(triggers(data))
    setup = [s for s in all_steps(data) if s.get("uses", "").startswith("actions/setup-python@")]
    assert [s["with"]["python-version"] for s in setup] == ["3.11"]
    assert re.search(r"^make test\b", run_text(data), re.MULTILINE)
    assert data["permissions"] == {"contents": "read"}
