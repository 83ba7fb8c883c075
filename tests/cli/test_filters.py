"""`--repo` and `--env` with a name the config does not have: the known ones are listed."""

from __future__ import annotations

from integration.helpers import FIXTURE_CONFIG, CliRunner

from reconciler.sandbox.runner import Sandbox


def test_an_unknown_env_lists_the_known_ones(cli: CliRunner, sandbox: Sandbox) -> None:
    result = cli("plan", "-c", FIXTURE_CONFIG, "--env", "prd")
    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        "error: --env 'prd' is not an environment of the config (known: dev, prod, staging)"
    ]


def test_an_unknown_env_of_the_chosen_repositories_says_so(
    cli: CliRunner, sandbox: Sandbox
) -> None:
    result = cli("plan", "-c", FIXTURE_CONFIG, "--repo", "alphaswarm_admin", "--env", "qa")
    assert result.code == 1
    assert result.err.splitlines() == [
        "error: --env 'qa' is not an environment of the repositories chosen "
        "(known: dev, prod, staging)"
    ]


def test_an_unknown_repo_lists_the_known_ones(cli: CliRunner, sandbox: Sandbox) -> None:
    result = cli("apply", "--yes", "-c", FIXTURE_CONFIG, "--repo", "alphaswarm_platfrom")
    assert result.code == 1
    assert result.err.splitlines() == [
        "error: --repo 'alphaswarm_platfrom' is not a repository of the config "
        "(known: alphaswarm_admin, alphaswarm_platform)"
    ]
    assert [r for r in sandbox.github.requests if r.method != "GET"] == []
