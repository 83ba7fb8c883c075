"""The primary rate limit (the hourly quota): refused up front, waited for, or spent mid-run."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from integration.helpers import CliRunner

from reconciler.sandbox.runner import Sandbox

from .support import (
    WriteRecorder,
    assert_fixture_config_state,
    assert_recovered,
    final_plan,
    fresh_planned_keys,
    one_error_line,
)

# What a plan of the fixture config is estimated to need (reconciler.run.planning.estimate_requests).
ROOT_ESTIMATE = 25  # 23, and the OIDC subject template of each of the two repositories


def _reset_named(line: str, reset_in: int) -> None:
    """The error names the reset time (HH:MM:SS UTC) the emulator announced."""
    found = re.search(r"until (\d\d:\d\d:\d\d) UTC", line)
    assert found, line
    expected = datetime.now(UTC) + timedelta(seconds=reset_in)
    named = datetime.strptime(found.group(1), "%H:%M:%S").time()
    shown = expected.replace(hour=named.hour, minute=named.minute, second=named.second)
    assert abs((shown - expected).total_seconds()) < 10, (line, expected)


@pytest.mark.parametrize(
    ("command", "left", "sent"),
    [
        # Plan asks the free GET /rate_limit.
        (("plan",), 5, ("GET", "/rate_limit")),
        # Apply reads who it is first (its audit needs it); that answer's headers
        # tell the budget, so it needs no GET /rate_limit.
        (("apply", "--yes"), 4, ("GET", "/user")),
    ],
)
def test_a_short_budget_is_refused_up_front(
    command: tuple[str, ...], left: int, sent: tuple[str, str], cli: CliRunner, sandbox: Sandbox
) -> None:
    sandbox.github.set_primary_limit(5000, remaining=5, reset_in=1800)
    result = cli(*command)
    line = one_error_line(result)
    assert "--wait-for-rate-limit" in line and f"only {left} of 5000 remain" in line, line
    _reset_named(line, 1800)
    assert result.err.count("\n") == 1, result.err
    # One request, then the refusal: nothing read of the repositories, nothing written.
    assert [(r.method, r.path) for r in sandbox.github.requests] == [sent]


def test_wait_for_rate_limit_waits_for_the_reset_then_runs(
    cli: CliRunner, sandbox: Sandbox
) -> None:
    sandbox.github.set_primary_limit(5000, remaining=2, reset_in=2)
    result = cli("plan", "--detailed-exitcode", "--wait-for-rate-limit")
    assert result.code == 2, result.out + result.err
    assert "Plan: 23 to create" in result.out
    assert "waiting for the rate limit to reset" in result.err


def test_exhaustion_mid_run_fails_with_one_line_and_the_next_run_converges(
    cli: CliRunner, sandbox: Sandbox
) -> None:
    planned = fresh_planned_keys(cli)
    recorder = WriteRecorder(sandbox.github)
    # Enough for the plan's own estimate, not for the writes that follow it.
    sandbox.github.set_primary_limit(5000, remaining=ROOT_ESTIMATE + 2)
    first = cli("apply", "--yes")
    line = one_error_line(first)
    assert "rate limit" in line and "resets in" in line, line
    assert 0 < len(recorder.performed()) < len(planned), "the quota ran out part way"

    sandbox.github.set_primary_limit(5000)
    second = cli("apply", "--yes")
    assert second.code == 0, second.out + second.err
    final_plan(cli)
    assert_recovered(recorder, planned)
    assert_fixture_config_state(sandbox)
