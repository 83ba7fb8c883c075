"""Loading the real environments.yaml, the public API and the offline guarantee."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from reconciler.config import Config, ConfigError, load_config, load_desired
from reconciler.errors import ReconcileError
from reconciler.model.desired import AwsSecretSource, BranchPattern, DispatchCheck, IamRoleRef

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "tests" / "data" / "good"
SHIPPED = ROOT / "environments.yaml"


def test_config_error_is_a_reconcile_error() -> None:
    error = ConfigError("f.yaml", 3, 7, "something\n  wrapped")
    assert isinstance(error, ReconcileError)
    assert str(error) == "f.yaml:3:7: something wrapped"


@pytest.mark.parametrize("path", [SHIPPED, GOOD / "alphaswarm.yaml"], ids=["shipped", "fixture"])
def test_environments_yaml_is_the_runbook_setup(path: Path) -> None:
    """The shipped file, and the fixture copy the behaviour tests assume is the same setup."""
    desired = load_desired(path)
    assert desired.owner == "Alpha-Swarm-ai"
    assert [r.name for r in desired.repositories] == ["alphaswarm_platform", "alphaswarm_admin"]
    for repo in desired.repositories:
        envs = {e.name: e for e in repo.environments}
        assert list(envs) == ["dev", "staging", "prod"]
        assert [envs[n].required_approvals for n in envs] == [0, 1, 2]
        # Nobody may skip the review where there is one; dev's setting is left alone.
        assert [envs[n].admins_bypass for n in envs] == [None, False, False]
        assert envs["prod"].prevent_self_review is True
        assert len(envs["prod"].reviewers) >= 2
        assert envs["prod"].branch_patterns == (
            BranchPattern("branch", "main"),
            BranchPattern("tag", "v*"),
        )
        for env in repo.environments:
            assert env.account_id is not None
            apply_role = env.variables["AWS_DEPLOYER_ROLE_ARN"]
            plan_role = env.variables["AWS_PLAN_ROLE_ARN"]
            assert apply_role == IamRoleRef("aqp-gha-apply", env.account_id)
            assert plan_role == IamRoleRef("aqp-gha-plan", env.account_id, ("pull_request",))
    admin = desired.repository("alphaswarm_admin")
    assert admin is not None
    token = admin.secrets["PLATFORM_DISPATCH_TOKEN"]
    assert isinstance(token.source, AwsSecretSource)
    assert token.source.secret_id == "alphaswarm/platform-dispatch-token"
    assert token.check == DispatchCheck("Alpha-Swarm-ai/alphaswarm_platform")
    assert desired.aws is not None
    assert desired.aws.read_role == "aqp-reconciler-read"
    assert desired.aws.region == "us-east-1"


def test_root_file_points_editors_at_the_schema() -> None:
    first = SHIPPED.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=./environments.schema.json"


def test_load_config_returns_the_model() -> None:
    config = load_config(GOOD / "minimal.yaml")
    assert isinstance(config, Config)
    assert config.github.owner == "octo-org"
    assert list(config.repositories) == ["lonely"]


@pytest.mark.parametrize("name", ["alphaswarm.yaml", "bad"])
def test_loading_never_touches_the_network(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"network access during load: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    if name == "bad":
        with pytest.raises(ConfigError):
            load_desired(ROOT / "tests" / "data" / "bad" / "iam_role_without_account.yaml")
    else:
        load_desired(GOOD / name)
    assert attempts == []


def test_merge_keys_are_supported(tmp_path: Path) -> None:
    path = tmp_path / "environments.yaml"
    path.write_text(
        "version: 1\n"
        "github: {owner: o}\n"
        "x-review: &review {required_approvals: 1, reviewers: [team:a]}\n"
        "environments:\n"
        "  staging: {<<: *review, wait_timer: 5}\n"
        "repositories: {r: {}}\n",
        encoding="utf-8",
    )
    # Anchors must live inside known keys; an unknown top-level key is refused.
    with pytest.raises(ConfigError, match="unknown key 'x-review'"):
        load_config(path)
    path.write_text(
        "version: 1\n"
        "github: {owner: o}\n"
        "environments:\n"
        "  staging: &review {required_approvals: 1, reviewers: [team:a]}\n"
        "  qa: {<<: *review, wait_timer: 5, required_approvals: 1}\n"
        "repositories: {r: {}}\n",
        encoding="utf-8",
    )
    qa = load_desired(path).repositories[0].environments[1]
    assert (qa.name, qa.wait_timer, qa.required_approvals) == ("qa", 5, 1)
    assert [str(r) for r in qa.reviewers] == ["team:a"]
