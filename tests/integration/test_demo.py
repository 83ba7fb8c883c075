"""`reconcile demo`: the story of issue 5, end to end, in one process."""

from __future__ import annotations

import re

from .helpers import FIXTURE_CONFIG, CliRunner


def test_demo_tells_the_whole_story(cli: CliRunner) -> None:
    result = cli("demo", "-c", FIXTURE_CONFIG)
    assert result.code == 0, result.out + result.err
    out = result.out
    steps = re.findall(r"── Step (\d): ([^─]+)", out)
    assert [n for n, _ in steps] == ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    assert "Plan: 23 to create, 0 to update, 0 to delete." in out
    assert out.count(f"Verified: a fresh read of GitHub matches {FIXTURE_CONFIG}.") == 2
    edits = out.split("Step 4")[1].split("Step 5")[0]
    assert "AWS_DEPLOYER_ROLE_ARN changed" in edits
    assert "reviewer platform-approvers removed" in edits
    assert "PLATFORM_DISPATCH_TOKEN deleted" in edits
    drift = out.split("Step 5")[1].split("Step 6")[0]
    assert "Plan: 1 to create, 2 to update, 0 to delete." in drift
    final = out.split("Step 7")[1].split("Step 8")[0]
    assert f"No changes. GitHub matches {FIXTURE_CONFIG}." in final
    # Issue 18: two prod deployments; approvals flags the one whose gate an admin skipped.
    audit = out.split("Step 9")[1].splitlines()[1:]
    assert audit[0].startswith("bypassed ") and "skipped by sandbox-admin" in audit[0]
    assert audit[1].startswith("approved ") and "approved by platform-approvers-alice" in audit[1]
    assert "1 approved, 1 bypassed; 1 violation" in out.split("Step 9")[1]
    assert "Traceback" not in result.err
    assert len(out.splitlines()) < 120, "the demo should fit in a screen or two"
