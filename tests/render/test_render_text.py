from __future__ import annotations

import re

from reconciler.model.plan import Plan
from reconciler.render import render
from reconciler.render.text import render_text

from .plans import LEAKED, NEW_ARN, OLD_ARN, REPO, leaky_plan, small_plan

EXPECTED = f"""\
{REPO}
  + repository_secret PLATFORM_DISPATCH_TOKEN: (sensitive) from aws_secret:alphaswarm/token
  environment prod
    ~ environment prod
        wait_timer: 0 → 30
    ~ variable AWS_DEPLOYER_ROLE_ARN: "{OLD_ARN}" → "{NEW_ARN}"
    - branch_policy branch:dev/*
  environment staging
    + environment staging
        reviewers: ["team:platform-approvers"]
        prevent_self_review: false
        wait_timer: 0
        deployment_branch_policy: "all"

Unmanaged: 1 item on GitHub but not in environments.yaml, left alone (set `prune: true` to delete):
  ? variable STRAY ({REPO} environment prod)

Findings:
  error: github.unknown_team [{REPO}/prod] reviewer team:x is unknown

Plan: 2 to create, 2 to update, 1 to delete. 1 error, 0 warnings. 1 unmanaged.
"""

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_text_lines_without_colour() -> None:
    text = render(small_plan(), "text", color=False)
    assert text == EXPECTED
    assert "\x1b" not in text


def test_colour_marks_actions_and_strips_to_the_same_text() -> None:
    text = render_text(small_plan(), color=True)
    assert ANSI.sub("", text) == EXPECTED
    assert f'\x1b[33m~ variable AWS_DEPLOYER_ROLE_ARN: "{OLD_ARN}"' in text
    assert "\x1b[32m+ environment staging\x1b[0m" in text
    assert "\x1b[31m- branch_policy branch:dev/*\x1b[0m" in text
    assert "\x1b[2m  ? variable STRAY" in text
    assert "\x1b[1;31merror:\x1b[0m github.unknown_team" in text


def test_empty_plan_says_no_changes() -> None:
    assert render_text(Plan(), color=False) == "No changes. GitHub matches environments.yaml.\n"


def test_secret_values_never_shown() -> None:
    text = render_text(leaky_plan(), color=False)
    assert LEAKED not in text
    assert "~ secret DEPLOY_KEY: (sensitive) → (sensitive) from aws_secret:app/key" in text
    assert "+ repository_secret TOKEN: (sensitive) from env:TOKEN" in text
    assert "- secret OLD\n" in text


def test_control_characters_in_live_names_are_escaped() -> None:
    from reconciler.model.plan import Resource, Unmanaged

    plan = Plan.build([], [], [Unmanaged(Resource.ENVIRONMENT, REPO, "x\x1b[2Jy", "x\x1b[2Jy")])
    text = render_text(plan, color=False)
    assert "\x1b" not in text and "x\\x1b[2Jy" in text
