"""`reconcile diff OLD NEW` flags what an edit weakens, offline, as a reviewer reads it.

Each case edits the runbook's environments.yaml (the test copy) the way a pull request would and
runs the command line; the findings must name what is given up, where, and
nothing for edits that strengthen or keep protection.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from isolation import FIXTURE_CONFIG

from reconciler.cli import main

BASE = FIXTURE_CONFIG.read_text()
PLATFORM = "Alpha-Swarm-ai/alphaswarm_platform"
ADMIN = "Alpha-Swarm-ai/alphaswarm_admin"
BOTH = "(in 2 repositories: alphaswarm_admin, alphaswarm_platform)"
STAGING = "  staging:\n    required_approvals: 1\n    reviewers: [team:platform-approvers]\n"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("reconcile diff must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"the root file no longer contains {old!r}"
    return text.replace(old, new)


def drop_environment(text: str, name: str, block: str) -> str:
    """The environment and its AWS account go together (an orphan account is an error)."""
    account = next(
        line for line in text.splitlines(keepends=True) if line.startswith(f'    {name}: "')
    )
    return edit(edit(text, block, ""), account, "")


def with_wait_timer(text: str, minutes: int) -> str:
    return edit(
        text,
        "    deployment_branches: [main]",
        f"    wait_timer: {minutes}\n    deployment_branches: [main]",
    )


_PROD_REFS = '    deployment_branches: [main]\n    deployment_tags: ["v*"]\n'
_PROTECTED = "    deployment_branches: protected\n"
_BYPASS_OFF = "    admins_bypass: false\n"
_EVERY_BRANCH = '    deployment_branches: ["**/*"]\n'


@dataclass(frozen=True)
class Case:
    new: Callable[[str], str]
    # Applied to the old text: (repository, environment, message) of each expected warning
    expected: list[tuple[str | None, str | None, str]]
    old: Callable[[str], str] = lambda text: text


CASES: dict[str, Case] = {
    "approvals lowered from 2 to 1": Case(
        lambda t: edit(t, "required_approvals: 2", "required_approvals: 1"),
        [
            (
                None,
                "prod",
                f"prevent_self_review turned off: whoever starts a deploy may approve it {BOTH}",
            ),
            (
                None,
                "prod",
                f"required_approvals lowered from 2 to 1: 4-eyes is no longer required {BOTH}",
            ),
        ],
    ),
    "approvals lowered to 0": Case(
        lambda t: edit(
            t,
            "    required_approvals: 1\n    reviewers: [team:platform-approvers]\n",
            "    required_approvals: 0\n",
        ),
        [
            (None, "staging", f"every required reviewer removed (team:platform-approvers) {BOTH}"),
            (
                None,
                "staging",
                f"required_approvals lowered from 1 to 0: deploys no longer wait for anyone's approval {BOTH}",
            ),
        ],
    ),
    "a reviewer removed": Case(
        lambda t: edit(t, "      - user:alphaswarm-release-manager\n", "      - user:octocat\n"),
        [(None, "prod", f"reviewers removed: user:alphaswarm-release-manager {BOTH}")],
    ),
    "a reviewer added is no finding": Case(
        lambda t: edit(
            t,
            "      - user:alphaswarm-release-manager\n",
            "      - user:alphaswarm-release-manager\n      - user:octocat\n",
        ),
        [],
    ),
    "admins' bypass allowed": Case(
        lambda t: edit(t, STAGING, STAGING + "    admins_bypass: true\n"),
        [
            (
                None,
                "staging",
                "admins_bypass turned on: repository administrators may deploy without the "
                f"required reviewers {BOTH}",
            )
        ],
    ),
    "admins' bypass taken back is no finding": Case(
        lambda t: edit(t, STAGING + "    admins_bypass: true\n", STAGING),
        [],
        old=lambda t: edit(t, STAGING, STAGING + "    admins_bypass: true\n"),
    ),
    "declared role trust widened": Case(
        lambda t: edit(
            t, "also_trusted: [pull_request]", 'also_trusted: [pull_request, "ref:refs/heads/main"]'
        ),
        [
            (
                None,
                env,
                "declared role trust widened: AWS_PLAN_ROLE_ARN (aqp-gha-plan) also trusts "
                f"ref:refs/heads/main; such jobs skip this environment's reviewers {BOTH}",
            )
            for env in ("staging", "prod")
        ],
    ),
    "declared trust taken back is no finding": Case(
        lambda t: edit(t, ", also_trusted: [pull_request]}", "}"), []
    ),
    "branch pattern widened": Case(
        lambda t: edit(t, "deployment_branches: [main]", 'deployment_branches: ["*"]'),
        [
            (
                None,
                "prod",
                f"branch:* lets refs deploy that were refused before (was branch:main, tag:v*) {BOTH}",
            )
        ],
    ),
    "tag pattern widened across a slash": Case(
        lambda t: edit(t, 'deployment_tags: ["v*"]', 'deployment_tags: ["v*", "release/**/*"]'),
        [
            (
                None,
                "prod",
                f"tag:release/**/* lets refs deploy that were refused before (was branch:main, tag:v*) {BOTH}",
            )
        ],
    ),
    "a narrower pattern is no finding": Case(
        lambda t: edit(t, 'deployment_tags: ["v*"]', 'deployment_tags: ["v[0-9]*"]'),
        [],
    ),
    "branch restriction removed": Case(
        lambda t: edit(t, '    deployment_branches: [main]\n    deployment_tags: ["v*"]\n', ""),
        [
            (
                None,
                "prod",
                f"deployment_branches and deployment_tags removed: any branch or tag may deploy (was branch:main, tag:v*) {BOTH}",
            )
        ],
    ),
    "protected branches replaced by patterns": Case(
        lambda t: edit(t, _PROTECTED, _PROD_REFS),
        [
            (
                None,
                "prod",
                "branch:main, tag:v* lets refs deploy that protected branches only refused (a "
                "listed branch deploys whether or not it is protected, and no tag could) (was "
                f"protected branches only) {BOTH}",
            )
        ],
        old=lambda t: edit(t, _PROD_REFS, _PROTECTED),
    ),
    "patterns replaced by protected branches": Case(
        lambda t: edit(t, _PROD_REFS, _PROTECTED),
        [
            (
                None,
                "prod",
                "deployment_branches: protected lets every branch with protection rules deploy "
                "(and every branch while the repository has none), not only the listed patterns "
                f"(was branch:main, tag:v*) {BOTH}",
            )
        ],
    ),
    "protected branches removed": Case(
        lambda t: edit(t, _PROTECTED, ""),
        [
            (
                None,
                "prod",
                "deployment_branches and deployment_tags removed: any branch or tag may deploy "
                f"(was protected branches only) {BOTH}",
            )
        ],
        old=lambda t: edit(t, _PROD_REFS, _PROTECTED),
    ),
    "any branch narrowed to protected branches is no finding": Case(
        lambda t: edit(t, _BYPASS_OFF, _BYPASS_OFF + _PROTECTED),
        [],
        old=lambda t: edit(t, _PROD_REFS, ""),
    ),
    "every branch narrowed to protected branches is no finding": Case(
        lambda t: edit(t, _EVERY_BRANCH, _PROTECTED),
        [],
        old=lambda t: edit(t, _PROD_REFS, _EVERY_BRANCH),
    ),
    "protected branches narrowed to none is no finding": Case(
        lambda t: edit(t, _PROTECTED, "    deployment_branches: []\n"),
        [],
        old=lambda t: edit(t, _PROD_REFS, _PROTECTED),
    ),
    "wait timer shortened in one repository": Case(
        lambda t: edit(
            t,
            "    secrets:\n      # Fires",
            "    environments:\n      prod:\n        wait_timer: 5\n    secrets:\n      # Fires",
        ),
        [(ADMIN, "prod", "wait_timer shortened from 30 to 5 minutes")],
        old=lambda t: with_wait_timer(t, 30),
    ),
    "a longer wait timer is no finding": Case(
        lambda t: edit(t, "wait_timer: 30", "wait_timer: 60"),
        [],
        old=lambda t: with_wait_timer(t, 30),
    ),
    "environment dropped": Case(
        lambda t: drop_environment(
            t,
            "dev",
            "  # Deploys to dev run without waiting for anyone.\n  dev:\n    required_approvals: 0\n",
        ),
        [
            (
                None,
                "dev",
                f"environment no longer in NEW: reconcile stops managing it; GitHub keeps it as it is, but drift there is no longer reported {BOTH}",
            )
        ],
    ),
    "protected environment dropped under prune": Case(
        lambda t: drop_environment(
            t,
            "staging",
            "  staging:\n    required_approvals: 1\n    reviewers: [team:platform-approvers]\n",
        ),
        [
            (
                None,
                "staging",
                f"environment no longer in NEW, and prune: true deletes it and its required reviewers from GitHub; a workflow that still names it would recreate it without protection {BOTH}",
            )
        ],
        old=lambda t: edit(t, "prune: false", "prune: true"),
    ),
    "unprotected environment dropped under prune": Case(
        lambda t: drop_environment(
            t,
            "dev",
            "  # Deploys to dev run without waiting for anyone.\n  dev:\n    required_approvals: 0\n",
        ),
        [
            (
                None,
                "dev",
                f"environment no longer in NEW, and prune: true deletes it from GitHub {BOTH}",
            )
        ],
        old=lambda t: edit(t, "prune: false", "prune: true"),
    ),
    "repository dropped": Case(
        lambda t: edit(t, "  alphaswarm_platform: {}\n", ""),
        [
            (
                PLATFORM,
                None,
                "repository no longer in NEW: reconcile stops managing its environments (dev, staging, prod); GitHub keeps them as they are, but drift there is no longer reported",
            )
        ],
    ),
    "prune switched on": Case(
        lambda t: edit(t, "prune: false", "prune: true"),
        [
            (
                None,
                None,
                "prune switched on: apply will delete every environment, variable, secret and branch policy of the managed repositories that NEW does not declare; check the unmanaged items of a live plan first",
            )
        ],
    ),
}


def _code(message: str) -> str:
    if message.startswith("prune switched on"):
        return "review.prune_enabled"
    if message.startswith("declared role trust widened"):
        return "review.trust_widened"
    return "github.protection_weakened"


def run_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, fmt: str
) -> str:
    (tmp_path / "old.yaml").write_text(old)
    (tmp_path / "new.yaml").write_text(new)
    capsys.readouterr()
    code = main(["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--format", fmt])
    out = capsys.readouterr().out
    assert code == 0
    return out.replace(str(tmp_path / "new.yaml"), "NEW").replace(str(tmp_path / "old.yaml"), "OLD")


@pytest.mark.parametrize("name", CASES, ids=list(CASES))
def test_each_weakening_is_one_warning(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[name]
    old = case.old(BASE)
    doc = json.loads(run_diff(tmp_path, capsys, old, case.new(old), "json"))
    found = [(f["repository"], f["environment"], f["message"]) for f in doc["findings"]]
    assert sorted(found, key=str) == sorted(case.expected, key=str)
    assert {f["severity"] for f in doc["findings"]} <= {"warning"}
    assert doc["summary"]["warnings"] == len(case.expected)
    expected_codes = {_code(message) for _, _, message in case.expected}
    assert {f["code"] for f in doc["findings"]} == expected_codes


def test_the_review_diff_warns_where_the_plan_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report of issue 13: lowering prod to 1 approval showed "0 warnings"."""
    new = CASES["approvals lowered from 2 to 1"].new(BASE)
    text = run_diff(tmp_path, capsys, BASE, new, "text")
    assert "OLD → NEW: 0 to create, 2 to update, 0 to delete. 0 errors, 2 warnings." in text
    assert (
        "warning: github.protection_weakened [prod] required_approvals lowered from 2 to 1" in text
    )
    assert "GitHub matches" not in text


def test_findings_lead_the_markdown_comment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = CASES["branch pattern widened"].new(BASE)
    md = run_diff(tmp_path, capsys, BASE, new, "markdown")
    assert md.startswith("## reconcile diff: what NEW changes\n")
    assert md.index("### Findings") < md.index("| Repository | Create |") < md.index("### Changes")
    assert "| ⚠️ warning | github.protection_weakened | prod | branch:* lets refs deploy" in md


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_no_differences_says_so_in_its_own_words(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_diff(tmp_path, capsys, BASE, BASE, fmt)
    assert "No differences between OLD and NEW." in out
    assert "GitHub" not in out and "environments.yaml" not in out


@pytest.mark.parametrize("prune", [False, True])
def test_a_new_file_warns_only_about_prune(
    prune: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing was protected before the file existed, but a first apply with prune deletes."""
    text = edit(BASE, "prune: false", f"prune: {str(prune).lower()}")
    (tmp_path / "new.yaml").write_text(text)
    assert main(["diff", "/dev/null", str(tmp_path / "new.yaml"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in doc["findings"]] == (["review.prune_enabled"] if prune else [])
    assert doc["summary"]["create"] == 23
