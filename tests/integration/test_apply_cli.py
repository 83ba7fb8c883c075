"""`reconcile apply` through the CLI against the sandbox (issue 5)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from reconciler.sandbox.github import FaultRule
from reconciler.sandbox.runner import Sandbox

from .helpers import (
    ADMIN,
    FIXTURE_CONFIG,
    OWNER,
    PLATFORM,
    CliRunner,
    SandboxFactory,
    audit_records,
    writes,
)
from .test_plan_cli import SINGLE_DRIFTS, converge, plan

SOURCE_ACCOUNT = "333333333333"
SOURCE_ID = "alphaswarm/platform-dispatch-token"


def _reviewers(sandbox: Sandbox, repo: str, env: str) -> tuple[set[str], bool]:
    doc = sandbox.github.environment_json(OWNER, repo, env)
    assert doc is not None
    for rule in doc.get("protection_rules", []):
        if rule["type"] == "required_reviewers":
            names = {
                f"team:{r['reviewer']['slug']}"
                if r["type"] == "Team"
                else f"user:{r['reviewer']['login']}"
                for r in rule["reviewers"]
            }
            return names, rule["prevent_self_review"]
    return set(), False


def test_fresh_apply_makes_github_match_the_file(cli: CliRunner, sandbox: Sandbox) -> None:
    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err
    assert "Verified" in result.out
    for repo in (PLATFORM, ADMIN):
        assert sorted(sandbox.github.environment_names(OWNER, repo)) == ["dev", "prod", "staging"]
        assert _reviewers(sandbox, repo, "dev") == (set(), False)
        assert _reviewers(sandbox, repo, "staging") == ({"team:platform-approvers"}, False)
        assert _reviewers(sandbox, repo, "prod") == (
            {"team:platform-approvers", "user:alphaswarm-release-manager"},
            True,
        )
        assert sorted(sandbox.github.branch_policies(OWNER, repo, "prod")) == [
            ("branch", "main"),
            ("tag", "v*"),
        ]
        for env, account in (
            ("dev", "111111111111"),
            ("staging", "222222222222"),
            ("prod", SOURCE_ACCOUNT),
        ):
            assert sandbox.github.variables(OWNER, repo, env) == {
                "AWS_DEPLOYER_ROLE_ARN": f"arn:aws:iam::{account}:role/aqp-gha-apply",
                "AWS_PLAN_ROLE_ARN": f"arn:aws:iam::{account}:role/aqp-gha-plan",
            }
    secret = sandbox.github.secret_value(OWNER, ADMIN, None, "PLATFORM_DISPATCH_TOKEN")
    assert secret == sandbox.aws.secret_value(SOURCE_ACCOUNT, SOURCE_ID)
    assert sandbox.github.secret_value(OWNER, PLATFORM, None, "PLATFORM_DISPATCH_TOKEN") is None


def test_first_apply_request_count(cli: CliRunner, sandbox: Sandbox) -> None:
    """Every request of the fixture config's first apply, accounted for
    (docs/performance.md, "The first apply of the root file")."""
    result = cli("apply", "--yes", "--no-cache")
    assert result.code == 0, result.out + result.err
    requests = [f"{r.method} {r.path}" for r in sandbox.github.requests]
    actor = 1  # GET /user: the audit log's actor; its headers also tell the budget
    plan_reads = 2 * 4  # per repository: environments, variables, secrets, subject template
    identities = 2 + 1  # team + its members, one user: once per run
    github_plan_reads = (
        1  # the organization's GitHub plan (Enterprise: no repository visibility read)
    )
    access = 2 * 2  # the team's and the user's access to each repository (issue 10)
    dispatch_check = 1  # the handoff token asked of GitHub, once (not again to verify)
    writes_ = 6 + 4 + 12 + 1  # environments, branch/tag policies, variables, the secret
    public_key = 1  # to encrypt the repository secret
    # Only what was written is read again: each repository's environment list,
    # its 3 environments' variables, prod's policies; the admin repository's secrets.
    verify = 2 * (1 + 3 + 1) + 1
    print(f"first apply of the fixture config: {len(requests)} GitHub requests")
    assert requests.count("GET /rate_limit") == 0
    assert (
        len(requests)
        == 53
        == (
            actor
            + plan_reads
            + identities
            + github_plan_reads
            + access
            + dispatch_check
            + writes_
            + public_key
            + verify
        )
    ), sorted(Counter(requests).items())


def test_second_apply_writes_nothing(cli: CliRunner, sandbox: Sandbox) -> None:
    converge(cli)
    before = len(sandbox.github.requests)
    result = cli("apply", "--yes")
    assert result.code == 0, result.err
    assert writes(sandbox, before) == []


@pytest.mark.parametrize("drift", SINGLE_DRIFTS, ids=list(SINGLE_DRIFTS))
def test_apply_repairs_each_drift(drift: str, cli: CliRunner, converged: Sandbox) -> None:
    SINGLE_DRIFTS[drift][0](converged)
    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err
    assert plan(cli, converged)[0] == 0


def _unmanaged_items(sandbox: Sandbox) -> None:
    sandbox.github.set_variable(OWNER, PLATFORM, "dev", "HAND_MADE", "1")
    sandbox.github.put_environment(OWNER, PLATFORM, "qa")


def _prune_config(tmp_path: Path) -> Path:
    text = FIXTURE_CONFIG.read_text().replace("prune: false", "prune: true")
    path = tmp_path / "environments.yaml"
    path.write_text(text)
    return path


def test_unmanaged_items_survive_without_prune(cli: CliRunner, converged: Sandbox) -> None:
    _unmanaged_items(converged)
    code, doc = plan(cli, converged)
    assert code == 0
    assert {(u["resource"], u["name"]) for u in doc["unmanaged"]} == {
        ("environment", "qa"),
        ("variable", "HAND_MADE"),
    }
    assert cli("apply", "--yes").code == 0
    assert "qa" in converged.github.environment_names(OWNER, PLATFORM)
    assert "HAND_MADE" in converged.github.variables(OWNER, PLATFORM, "dev")


def test_prune_deletes_unmanaged_items(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    config = _prune_config(tmp_path)
    sandbox = make_sandbox(config)
    assert cli("apply", "--yes", "-c", config).code == 0
    _unmanaged_items(sandbox)
    code, doc = plan(cli, sandbox, "-c", str(config))
    assert code == 2
    assert sorted(c["id"] for c in doc["changes"]) == [
        "alpha-swarm-ai/alphaswarm_platform/dev/variable/hand_made/delete",
        "alpha-swarm-ai/alphaswarm_platform/qa/environment/qa/delete",
    ]
    result = cli("apply", "--yes", "-c", config)
    assert result.code == 0, result.out + result.err
    assert "qa" not in sandbox.github.environment_names(OWNER, PLATFORM)
    assert "HAND_MADE" not in sandbox.github.variables(OWNER, PLATFORM, "dev")


def test_prune_refuses_past_the_threshold_without_force(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    config = _prune_config(tmp_path)
    sandbox = make_sandbox(config)
    assert cli("apply", "--yes", "-c", config).code == 0
    for i in range(20):
        sandbox.github.set_variable(OWNER, PLATFORM, "dev", f"STRAY_{i}", "x")
    before = len(sandbox.github.requests)
    refused = cli("apply", "--yes", "-c", config)
    assert refused.code == 1
    assert "refusing to delete 20 of" in refused.err and "--force" in refused.err
    assert writes(sandbox, before) == []
    forced = cli("apply", "--yes", "--force", "-c", config)
    assert forced.code == 0, forced.err
    assert not any(k.startswith("STRAY_") for k in sandbox.github.variables(OWNER, PLATFORM, "dev"))


def test_stale_saved_plan_is_refused(cli: CliRunner, sandbox: Sandbox, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert cli("plan", "--out", saved).code == 0
    sandbox.github.put_environment(OWNER, PLATFORM, "dev")  # someone acts in between
    before = len(sandbox.github.requests)
    result = cli("apply", "--yes", "--plan", saved)
    assert result.code == 1
    assert result.err.count("\n") == 1 and "stale" in result.err
    assert (
        "the live state on GitHub or AWS changed since it was made; the configuration did not"
        in result.err
    )
    assert writes(sandbox, before) == []


def _planned_copy(cli: CliRunner, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the root config to edit, and a plan saved from it."""
    config = tmp_path / "environments.yaml"
    config.write_text(FIXTURE_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    saved = tmp_path / "plan.json"
    assert cli("plan", "-c", config, "--out", saved).code == 0
    return config, saved


def test_a_saved_plan_refused_for_a_config_change_says_so(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    config, saved = _planned_copy(cli, tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "    required_approvals: 0\n", "    required_approvals: 0\n    wait_timer: 5\n", 1
        ),
        encoding="utf-8",
    )
    before = len(sandbox.github.requests)
    result = cli("apply", "--yes", "-c", config, "--plan", saved)
    assert result.code == 1
    assert f"is stale: the configuration ({config}) changed since it was made" in result.err
    assert writes(sandbox, before) == []


def test_a_comment_in_the_config_does_not_make_a_saved_plan_stale(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    config, saved = _planned_copy(cli, tmp_path)
    config.write_text("# reviewed\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("apply", "--yes", "-c", config, "--plan", saved)
    assert result.code == 0, result.err


def test_fresh_saved_plan_is_applied(cli: CliRunner, sandbox: Sandbox, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert cli("plan", "--out", saved).code == 0
    result = cli("apply", "--yes", "--plan", saved)
    assert result.code == 0, result.err


def test_apply_without_yes_and_without_tty_is_refused(cli: CliRunner, sandbox: Sandbox) -> None:
    result = cli("apply")
    assert result.code == 1
    assert result.err.startswith("error: refusing to apply without confirmation")
    assert result.err.count("\n") == 1
    assert sandbox.github.requests == []


def test_audit_log_has_one_line_per_write_and_no_secret(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    result = cli("apply", "--yes", "--audit-log", audit)
    assert result.code == 0, result.err
    lines = audit_records(audit)
    write_count = len([r for r in sandbox.github.requests if r.method != "GET"])
    assert len(lines) == write_count == 23
    assert {line["status"] for line in lines} == {"ok"}
    assert all(line["request_id"] and line["actor"] == "sandbox-admin" for line in lines)
    secret = sandbox.aws.secret_value(SOURCE_ACCOUNT, SOURCE_ID)
    assert secret not in audit.read_text()
    assert secret not in result.out + result.err


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule("PUT", r"/environments/prod$", times=3, kind="status", status=502),
        FaultRule("POST", r"/variables$", times=1, kind="secondary_limit", retry_after=0),
        FaultRule("POST", r"/variables$", times=1, kind="lose_response"),
        FaultRule("POST", r"/deployment-branch-policies$", times=1, kind="lose_response"),
    ],
    ids=["502 burst", "secondary limit", "POST performed, answer lost", "policy answer lost"],
)
def test_faults_during_apply_converge_without_duplicates(
    rule: FaultRule, cli: CliRunner, sandbox: Sandbox
) -> None:
    sandbox.github.add_fault(rule)
    first = cli("apply", "--yes")
    assert first.code in (0, 1)
    if first.code == 1:
        assert "failed" in first.out or first.err.startswith("error:")
    second = cli("apply", "--yes")
    assert second.code == 0, second.out + second.err
    assert plan(cli, sandbox)[0] == 0
    for repo in (PLATFORM, ADMIN):
        assert sorted(sandbox.github.branch_policies(OWNER, repo, "prod")) == [
            ("branch", "main"),
            ("tag", "v*"),
        ]
        assert len(sandbox.github.variables(OWNER, repo, "dev")) == 2
