"""Prune deletes exactly what it names, and its guard counts what a delete removes
(issue 11, item 3)."""

from __future__ import annotations

from pathlib import Path

from reconciler.sandbox.runner import Sandbox

from .helpers import (
    FIXTURE_CONFIG,
    OWNER,
    PLATFORM,
    CliRunner,
    SandboxFactory,
    audit_records,
    writes,
)
from .test_plan_cli import plan


def _prune_config(tmp_path: Path) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(FIXTURE_CONFIG.read_text().replace("prune: false", "prune: true"))
    return path


def _converged(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> tuple[Path, Sandbox]:
    config = _prune_config(tmp_path)
    sandbox = make_sandbox(config)
    first = cli("apply", "--yes", "-c", config)
    assert first.code == 0, first.out + first.err
    return config, sandbox


def test_prune_deletes_the_undeclared_pattern_not_its_case_twin(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    """`main` is declared, `Main` is not: git refs are case-sensitive, so are policies."""
    config, sandbox = _converged(cli, make_sandbox, tmp_path)
    sandbox.github.add_branch_policy(OWNER, PLATFORM, "prod", "Main")
    code, doc = plan(cli, sandbox, "-c", str(config))
    assert code == 2
    assert [c["id"] for c in doc["changes"]] == [
        "alpha-swarm-ai/alphaswarm_platform/prod/branch_policy/branch:Main/delete"
    ]
    audit = tmp_path / "audit.jsonl"

    result = cli("apply", "--yes", "-c", config, "--audit-log", audit)

    assert result.code == 0, result.out + result.err
    assert sorted(sandbox.github.branch_policies(OWNER, PLATFORM, "prod")) == [
        ("branch", "main"),
        ("tag", "v*"),
    ]
    [record] = audit_records(audit)
    assert (record["name"], record["action"], record["status"]) == ("branch:Main", "delete", "ok")


def test_deleting_an_environment_counts_everything_in_it(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    """23 managed items; an undeclared `qa` with 12 variables is 13 of 36 (36%), not 1."""
    config, sandbox = _converged(cli, make_sandbox, tmp_path)
    sandbox.github.put_environment(OWNER, PLATFORM, "qa")
    for i in range(12):
        sandbox.github.set_variable(OWNER, PLATFORM, "qa", f"QA_{i}", "x")
    before = len(sandbox.github.requests)

    refused = cli("apply", "--yes", "-c", config)

    assert refused.code == 1, refused.out + refused.err
    assert "error: refusing to delete 13 of 36 existing items (more than 30%" in refused.err
    assert writes(sandbox, before) == []
    forced = cli("apply", "--yes", "--force", "-c", config)
    assert forced.code == 0, forced.out + forced.err
    assert "qa" not in sandbox.github.environment_names(OWNER, PLATFORM)


def test_the_guard_counts_only_the_items_inside_the_scope(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    """6 stray variables in dev: 6 of 29 items overall (fine), but 6 of 12 with --env dev."""
    config, sandbox = _converged(cli, make_sandbox, tmp_path)
    for i in range(6):
        sandbox.github.set_variable(OWNER, PLATFORM, "dev", f"STRAY_{i}", "x")
    before = len(sandbox.github.requests)

    scoped = cli("apply", "--yes", "-c", config, "--env", "dev")

    assert scoped.code == 1, scoped.out + scoped.err
    assert "error: refusing to delete 6 of 12 existing items" in scoped.err
    assert writes(sandbox, before) == []
    everything = cli("apply", "--yes", "-c", config)
    assert everything.code == 0, everything.out + everything.err
    assert not any(k.startswith("STRAY_") for k in sandbox.github.variables(OWNER, PLATFORM, "dev"))
