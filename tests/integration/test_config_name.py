"""plan and apply name the file given with `-c`, not always "environments.yaml" (issue 13)."""

from __future__ import annotations

from pathlib import Path

from .helpers import FIXTURE_CONFIG, OWNER, PLATFORM, CliRunner, SandboxFactory, plan_json


def test_messages_name_the_config_given_with_c(
    cli: CliRunner, make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    config = tmp_path / "team-envs.yaml"
    config.write_text(FIXTURE_CONFIG.read_text())
    sandbox = make_sandbox(config)

    applied = cli("apply", "--yes", "-c", config)
    assert applied.code == 0, applied.out + applied.err
    assert f"Verified: GitHub now matches {config}." in applied.out

    clean = cli("plan", "-c", config)
    assert clean.out.strip() == f"No changes. GitHub matches {config}."

    sandbox.github.set_variable(OWNER, PLATFORM, "dev", "HAND_MADE", "x")
    listed = cli("plan", "-c", config)
    assert f"Unmanaged: 1 item on GitHub but not in {config}, left alone" in listed.out
    markdown = cli("plan", "-c", config, "--format", "markdown")
    assert f"1 on GitHub but not in {config}, left alone" in markdown.out
    assert "environments.yaml" not in listed.out + markdown.out

    config.write_text(config.read_text().replace("prune: false", "prune: true"))
    pruned = plan_json(cli("plan", "-c", config, "--format", "json").out)
    assert [c["reason"] for c in pruned["changes"]] == [f"not in {config} (prune: true)"]
