"""GitHub faults through the CLI: 5xx bursts, secondary limits, 429, lost connections.

Each case injects one fault rule into the emulator, runs `reconcile` as a
user would and checks the invariants of issue 7: the run succeeds or fails
with one clear line (never a traceback), the next apply converges to an empty
plan, nothing outside the plan is written, nothing is created twice, and
items the config does not manage are left alone. Retry-After stays at 1 s.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from integration.helpers import CliRunner, audit_records

from reconciler.github.settings import RetryPolicy
from reconciler.sandbox.github import FaultRule
from reconciler.sandbox.runner import Sandbox

from .support import (
    WriteRecorder,
    assert_clear_outcome,
    assert_fixture_config_state,
    assert_recovered,
    final_plan,
    fresh_planned_keys,
    seed_unmanaged,
    unmanaged_snapshot,
)

FRESH_CREATES = 23
PLATFORM_PROD = "/repos/Alpha-Swarm-ai/alphaswarm_platform/environments/prod$"

PLAN_FAULTS = {
    "502 x3 on a GET": FaultRule("GET", r"/environments$", times=3, status=502, retry_after=0),
    "secondary limit 403 on a GET": FaultRule(
        "GET", r"/environments$", kind="secondary_limit", retry_after=0
    ),
    "429 on a GET": FaultRule("GET", r"/environments$", kind="too_many_requests", retry_after=0),
    "dropped GET": FaultRule("GET", r"/environments$", kind="drop"),
}

# Rules of one kind go together: one apply meets each of them.
APPLY_FAULTS = {
    "5xx bursts on writes": [
        FaultRule("POST", r"/variables$", times=3, status=502, retry_after=0),
        FaultRule("PUT", r"/environments/prod$", times=3, status=503, retry_after=0),
    ],
    "secondary limit 403 on writes": [
        FaultRule("PUT", r"/environments/staging$", kind="secondary_limit", retry_after=0),
        FaultRule("POST", r"/deployment-branch-policies$", kind="secondary_limit", retry_after=0),
    ],
    "429 on writes": [
        FaultRule("PUT", r"/actions/secrets/", kind="too_many_requests", retry_after=0),
        FaultRule("POST", r"/variables$", kind="too_many_requests", retry_after=0),
    ],
    "dropped connections on PUT and POST": [
        FaultRule("POST", r"/variables$", kind="drop"),
        FaultRule("PUT", r"/environments/dev$", kind="drop"),
        FaultRule("POST", r"/deployment-branch-policies$", kind="drop"),
    ],
    "answers lost after POST and PUT were performed": [
        FaultRule("POST", r"/variables$", kind="lose_response"),
        FaultRule("POST", r"/deployment-branch-policies$", kind="lose_response"),
        FaultRule("PUT", r"/environments/prod$", kind="lose_response"),
        FaultRule("PUT", r"/actions/secrets/", kind="lose_response"),
    ],
}


@pytest.mark.parametrize("rule", list(PLAN_FAULTS.values()), ids=list(PLAN_FAULTS))
def test_plan_rides_out_a_transient_fault(
    rule: FaultRule, cli: CliRunner, sandbox: Sandbox
) -> None:
    sandbox.github.add_fault(rule)
    result = cli("plan", "--format", "json", "--detailed-exitcode")
    assert "Traceback" not in result.err
    assert result.code == 2, result.out + result.err
    doc = json.loads(result.out)
    assert doc["summary"]["create"] == FRESH_CREATES
    assert rule.fired == rule.times
    faulted = [
        r
        for r in sandbox.github.requests
        if re.search(rule.path, r.path) and r.status not in (200, 304)
    ]
    assert len(faulted) == rule.times
    assert [r for r in sandbox.github.requests if r.method != "GET"] == []


@pytest.mark.parametrize("rules", list(APPLY_FAULTS.values()), ids=list(APPLY_FAULTS))
def test_apply_survives_faults_and_the_next_run_converges(
    rules: list[FaultRule], cli: CliRunner, sandbox: Sandbox
) -> None:
    untouched = seed_unmanaged(sandbox)
    planned = fresh_planned_keys(cli)
    assert len(planned) == FRESH_CREATES
    recorder = WriteRecorder(sandbox.github)
    for rule in rules:
        sandbox.github.add_fault(rule)

    first = cli("apply", "--yes")
    assert_clear_outcome(first)
    assert [r.fired for r in rules] == [r.times for r in rules], "a fault never happened"
    second = cli("apply", "--yes")
    assert second.code == 0, second.out + second.err
    final_plan(cli)

    assert_recovered(recorder, planned)
    assert_fixture_config_state(sandbox)
    assert unmanaged_snapshot(sandbox) == untouched


def test_a_write_that_keeps_failing_is_named_and_fails_the_run(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Every attempt of one environment PUT fails: the run must say so, not hide it."""
    untouched = seed_unmanaged(sandbox)
    planned = fresh_planned_keys(cli)
    recorder = WriteRecorder(sandbox.github)
    tries = RetryPolicy().tries
    rule = FaultRule("PUT", PLATFORM_PROD, times=tries, status=502, retry_after=0)
    sandbox.github.add_fault(rule)
    audit = tmp_path / "audit.jsonl"

    first = cli("apply", "--yes", "--audit-log", audit)
    assert rule.fired == tries
    assert first.code == 1, first.out + first.err
    assert "Traceback" not in first.err
    failed = [line for line in first.out.splitlines() if line.startswith("failed:")]
    assert [line.split()[1].rstrip(":") for line in failed] == [
        "alpha-swarm-ai/alphaswarm_platform/prod/environment/prod/create"
    ]
    assert "1 failed" in first.out
    records = audit_records(audit)
    failures = [r for r in records if r["status"] == "failed"]
    assert [(r["repository"], r["resource"], r["name"]) for r in failures] == [
        ("Alpha-Swarm-ai/alphaswarm_platform", "environment", "prod")
    ]
    # The other repository's writes do not depend on the failed one and went ahead.
    admin_done = [
        r for r in records if r["repository"].endswith("alphaswarm_admin") and r["status"] == "ok"
    ]
    assert len(admin_done) == 12

    second = cli("apply", "--yes")
    assert second.code == 0, second.out + second.err
    final_plan(cli)
    assert_recovered(recorder, planned)
    assert_fixture_config_state(sandbox)
    assert unmanaged_snapshot(sandbox) == untouched


def test_json_logs_stay_json_while_retrying(cli: CliRunner, sandbox: Sandbox) -> None:
    """With --log-format json every stderr line is a JSON object, retries included."""
    rule = FaultRule("GET", r"/environments$", kind="secondary_limit", retry_after=0)
    sandbox.github.add_fault(rule)
    result = cli("plan", "--log-format", "json", "-v")
    assert result.code == 0, result.err
    not_json = []
    for line in result.err.splitlines():
        try:
            json.loads(line)
        except ValueError:
            not_json.append(line)
    assert not_json == [], "\n".join(not_json[:30])
