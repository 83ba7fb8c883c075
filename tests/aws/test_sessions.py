"""AWS clients of a run: made once, assumed once, retried as the user bounds them."""

from __future__ import annotations

import pytest
from aws_proxy import AwsFaultProxy
from botocore.config import Config
from integration.helpers import CliRunner

from reconciler.aws.errors import AwsError
from reconciler.aws.sessions import CLIENT_CONFIG, client_config, new_session
from reconciler.sandbox.runner import Sandbox


def _attempts(config: Config) -> int:
    """All attempts, the first included (botocore rewrites `max_attempts`, the
    retries alone, into `total_max_attempts` when it makes a client)."""
    retries = config.retries or {}
    assert retries["mode"] == "standard"
    total: int = retries.get("total_max_attempts", retries.get("max_attempts", 0) + 1)
    return total


def test_five_retries_unless_aws_max_attempts_says_otherwise() -> None:
    assert client_config({}) is CLIENT_CONFIG
    assert _attempts(CLIENT_CONFIG) == 6
    bounded = client_config({"AWS_MAX_ATTEMPTS": "2"})
    assert _attempts(bounded) == 2
    assert bounded.read_timeout == CLIENT_CONFIG.read_timeout


@pytest.mark.parametrize("text", ["0", "-1", "two", ""])
def test_an_unusable_aws_max_attempts_is_refused_by_name(text: str) -> None:
    with pytest.raises(AwsError, match="AWS_MAX_ATTEMPTS must be a whole number"):
        client_config({"AWS_MAX_ATTEMPTS": text})


def test_apply_assumes_each_read_role_once_for_the_whole_run(
    cli: CliRunner, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan's reads, the dispatch check and apply's secret reads share the
    run's AWS clients: one AssumeRole per account read, not one per stage."""
    with AwsFaultProxy(sandbox.aws.endpoint_url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err
    assert any(call == "secretsmanager:GetSecretValue" for call in proxy.calls)
    accounts = {a for a in (sandbox.desired.aws.accounts.values() if sandbox.desired.aws else ())}
    assert proxy.calls.count("sts:AssumeRole") == len(accounts)


def test_an_unusable_aws_max_attempts_makes_aws_unreadable_not_the_run(
    cli: CliRunner, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked when a client is first made: the GitHub side is still planned."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "two")
    result = cli("plan")
    assert "Traceback" not in result.err
    assert "AWS_MAX_ATTEMPTS must be a whole number of at least 1, not 'two'" in result.out
    assert "aws.unavailable" in result.out


def test_runs_in_one_process_share_the_service_models_without_growing_anything(
    cli: CliRunner, sandbox: Sandbox
) -> None:
    """Each run makes its own session (its credentials resolved afresh) over one
    shared loader; boto3's session appended a folder to that loader's search
    path each time, so a process running reconcile many times grew it per run."""
    assert cli("plan").code in (0, 2)
    loader = new_session().get_component("data_loader")
    paths = list(loader.search_paths)
    for _ in range(3):
        assert cli("plan").code in (0, 2)
    assert new_session().get_component("data_loader") is loader
    assert loader.search_paths == paths
