"""GitHub failing around the writes (issue 11, items 4, 6 and 8).

- The verification read after the writes fails: the report still comes out,
  exit 1, with both facts.
- GitHub fails every write: the retries of all writes count toward one
  limit (issue 17, item 6), so the run gives up after 10 attempts and 30 s
  of planned waits and reports what was not attempted, instead of spending
  every write's retries one after another.
- Another apply creates the same items meanwhile: a 409 is read back and
  compared, nothing is patched over an equal value, and the audit says so.

Faults answer `Retry-After: 0`, so retries cost no waiting.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from integration.helpers import ADMIN, OWNER, PLATFORM, CliRunner, audit_records

from reconciler.cli import main
from reconciler.sandbox.github import FaultRule
from reconciler.sandbox.runner import Sandbox

from .support import (
    PROD_POLICIES,
    Write,
    WriteRecorder,
    assert_fixture_config_state,
    assert_recovered,
    final_plan,
    fresh_planned_keys,
)

FRESH_APPLY_WRITES = 23
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}


def _after_last_write(recorder: WriteRecorder, action: object) -> None:
    def hook(write: Write) -> None:
        if len(recorder.performed()) == FRESH_APPLY_WRITES:
            action()  # type: ignore[operator]

    recorder.after_write = hook


def _reads_fail(sandbox: Sandbox) -> None:
    sandbox.github.add_fault(FaultRule("GET", r".", times=10_000, status=503, retry_after=0))


def _budget_spent(sandbox: Sandbox) -> None:
    sandbox.github.set_primary_limit(5000, remaining=0)


BREAKS = {"503 on every read": _reads_fail, "primary rate limit spent": _budget_spent}


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("breaks", list(BREAKS.values()), ids=list(BREAKS))
def test_a_failed_verification_read_keeps_the_report(
    breaks: object, fmt: str, cli: CliRunner, sandbox: Sandbox
) -> None:
    recorder = WriteRecorder(sandbox.github)
    _after_last_write(recorder, lambda: breaks(sandbox))  # type: ignore[operator]

    result = cli("apply", "--yes", "--format", fmt)

    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.err
    assert len(recorder.performed()) == FRESH_APPLY_WRITES
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    assert errors[0].startswith(
        "error: the writes are done (23 applied) but GitHub could not be read again"
    )
    if fmt == "json":
        doc = json.loads(result.out)
        assert len(doc["applied"]) == FRESH_APPLY_WRITES
        assert doc["failed"] == [] and doc["not_started"] == []
        assert doc["verified"] is False and doc["remaining"] is None
        assert doc["verification_error"]
    else:
        assert "Apply: 23 applied, 0 failed, 0 skipped, 0 not started." in result.out
        assert "Not verified: reading GitHub again failed: " in result.out

    sandbox.github.clear_faults()
    sandbox.github.set_primary_limit(5000)
    final_plan(cli)


def test_a_dead_github_ends_the_run_within_30_s_of_retry_waits(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every write answers 503 (no Retry-After: the back-off decides the waits, here
    --retry-backoff 1 ms). With the default concurrency, the writes of both repositories
    count toward one limit: 10 attempts, then no write is sent."""
    planned = fresh_planned_keys(cli)
    for method in WRITE_METHODS:
        sandbox.github.add_fault(FaultRule(method, r".", times=10_000, status=503))
    recorder = WriteRecorder(sandbox.github)
    audit = tmp_path / "audit.jsonl"

    capsys.readouterr()
    code = main(["apply", "--yes", "--retry-backoff", "0.001", "--audit-log", str(audit)])
    out, err = capsys.readouterr()

    assert code == 1, out + err
    assert "Traceback" not in err
    assert recorder.count() == 10
    given_up = (
        "GitHub failed 10 write attempts in a row (5xx or no answer) with 0.0 s of retry "
        "waits between them; gave up on GitHub for this run"
    )
    assert f"Stopped: {given_up}" in out
    assert f"error: {given_up}" in err
    summary = re.search(r"Apply: 0 applied, (\d+) failed, 0 skipped, (\d+) not started\.", out)
    assert summary is not None, out
    failed, not_started = int(summary[1]), int(summary[2])
    assert failed + not_started == FRESH_APPLY_WRITES
    records = audit_records(audit)
    assert [r["status"] for r in records] == ["failed"] * failed
    # At most one write queued behind the one that gave up, and it was not sent.
    assert failed <= 3
    assert all(r["error"].startswith("not sent: ") for r in records[2:])

    sandbox.github.clear_faults()
    rerun = cli("apply", "--yes")
    assert rerun.code == 0, rerun.out + rerun.err
    final_plan(cli)
    assert_recovered(recorder, planned)


def _other_run_creates_the_variables(sandbox: Sandbox) -> None:
    for repo in (PLATFORM, ADMIN):
        for env, account in ACCOUNTS.items():
            if env not in sandbox.github.environment_names(OWNER, repo):
                sandbox.github.put_environment(OWNER, repo, env)
            for name, role in (("AWS_DEPLOYER_ROLE_ARN", "apply"), ("AWS_PLAN_ROLE_ARN", "plan")):
                value = f"arn:aws:iam::{account}:role/aqp-gha-{role}"
                sandbox.github.set_variable(OWNER, repo, env, name, value)


def test_a_409_from_another_run_is_compared_not_overwritten(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Another apply of the same config writes the variables between our plan and our
    writes: each create meets 409, is read back, equals the config, and is left alone."""
    planned = fresh_planned_keys(cli)
    recorder = WriteRecorder(sandbox.github)
    done: list[bool] = []

    def on_first_write(write: Write) -> None:
        if not done:
            done.append(True)
            _other_run_creates_the_variables(sandbox)

    recorder.after_write = on_first_write
    audit = tmp_path / "audit.jsonl"

    result = cli("apply", "--yes", "--audit-log", audit)

    assert result.code == 0, result.out + result.err
    methods = [w.method for w in recorder.writes]
    assert "PATCH" not in methods, "a value equal to the config was patched over"
    conflicts = [w for w in recorder.writes if w.status == 409]
    assert len(conflicts) == 12
    records = audit_records(audit)
    noted = [r for r in records if r["note"]]
    assert len(noted) == 12
    assert all(r["status"] == "ok" and r["http_status"] == 409 for r in noted)
    assert all(r["note"].startswith("already existed with this value") for r in noted)
    assert result.out.count("note:    ") == 12
    final_plan(cli)
    assert_recovered(recorder, planned)
    assert_fixture_config_state(sandbox)


def test_a_303_from_another_run_is_noted_like_a_409(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Another apply (another machine: the lock is per machine) creates the branch
    policies once our environment write made prod custom: each of our POSTs meets 303,
    which the audit log and the report note as "already existed", not as a plain ok."""
    planned = fresh_planned_keys(cli)
    recorder = WriteRecorder(sandbox.github)

    def other_run_adds_policies(write: Write) -> None:
        repo, env, kind, _ = write.resource
        if (write.method, env, kind) == ("PUT", "prod", "environment"):
            for policy_type, pattern in PROD_POLICIES:
                sandbox.github.add_branch_policy(OWNER, repo, "prod", pattern, policy_type)

    recorder.after_write = other_run_adds_policies
    audit = tmp_path / "audit.jsonl"

    result = cli("apply", "--yes", "--audit-log", audit)

    assert result.code == 0, result.out + result.err
    see_other = [w for w in recorder.writes if w.status == 303]
    assert len(see_other) == 4
    records = audit_records(audit)
    policies = [r for r in records if r["resource"] == "branch_policy"]
    assert len(policies) == 4
    assert all(r["status"] == "ok" and r["http_status"] == 303 for r in policies)
    assert all(
        r["note"] == "already existed with this name and type (303 on create); not written again"
        for r in policies
    )
    assert result.out.count("note:    ") == 4
    final_plan(cli)
    assert_recovered(recorder, planned)
    assert_fixture_config_state(sandbox)
