"""A plan without AWS: the GitHub side, AWS values unknown, one error (issue 13).

The sandbox's GitHub is real; the AWS credentials are taken away the way a
misconfigured job loses them (no keys, no profile files, no instance metadata).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.sandbox.runner import Sandbox

from .helpers import (
    ADMIN,
    FIXTURE_CONFIG,
    OWNER,
    PLATFORM,
    CliRunner,
    SandboxFactory,
    finding_codes,
    plan_json,
    writes,
)

UNKNOWN = "(known after AWS is readable)"
DB_HOST = '  DB_HOST: {ssm_parameter: "/alphaswarm/{env}/db-host"}\n'


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The root file plus a variable whose value only SSM knows."""
    text = FIXTURE_CONFIG.read_text()
    anchor = "  AWS_DEPLOYER_ROLE_ARN: {iam_role: aqp-gha-apply}\n"
    assert anchor in text
    path = tmp_path / "environments.yaml"
    path.write_text(text.replace(anchor, anchor + DB_HOST))
    return path


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory, config: Path) -> Sandbox:
    return make_sandbox(config)


@pytest.fixture
def lose_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], None]:
    """Take the AWS credentials away: no keys, no profile files, no instance metadata."""

    def lose() -> None:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    return lose


def test_fresh_plan_without_aws_shows_the_github_side(
    cli: CliRunner, sandbox: Sandbox, config: Path, lose_aws: Callable[[], None]
) -> None:
    lose_aws()
    before = len(sandbox.github.requests)

    result = cli("plan", "-c", config, "--detailed-exitcode", "--format", "json")
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    doc = plan_json(result.out)
    # One error, whatever the number of accounts, roles and dispatch checks.
    assert finding_codes(doc) == ["aws.unavailable"]
    (finding,) = doc["findings"]
    assert "no usable AWS credentials" in finding["message"]
    assert (finding["repository"], finding["environment"]) == (None, None)
    # Everything GitHub lacks is still planned: 2 x (3 environments + 9 variables + 2 policies) + 1.
    assert doc["summary"] == {"create": 29, "update": 0, "delete": 0, "errors": 1, "warnings": 0}
    by_id = {c["id"]: c for c in doc["changes"]}
    db_host = by_id["alpha-swarm-ai/alphaswarm_admin/prod/variable/db_host/create"]
    assert db_host["after"] == {
        "value": UNKNOWN,
        "source": "ssm_parameter:/alphaswarm/prod/db-host@333333333333",
    }
    # A role's ARN follows from the file; AWS only confirms the role.
    role = by_id["alpha-swarm-ai/alphaswarm_admin/prod/variable/aws_deployer_role_arn/create"]
    assert role["after"] == {"value": "arn:aws:iam::333333333333:role/aqp-gha-apply"}

    text = cli("plan", "-c", config)
    assert text.code == 0
    assert f"+ variable DB_HOST: {UNKNOWN} from ssm_parameter:/alphaswarm/dev/db-host@" in text.out
    assert "error: aws.unavailable AWS is not readable" in text.out
    markdown = cli("plan", "-c", config, "--format", "markdown")
    assert f"DB_HOST: {UNKNOWN}" in markdown.out
    assert "| ❌ error | aws.unavailable | " in markdown.out
    assert writes(sandbox, before) == []


def test_drift_without_aws_is_exactly_the_github_drift(
    cli: CliRunner, sandbox: Sandbox, config: Path, lose_aws: Callable[[], None]
) -> None:
    assert cli("apply", "--yes", "-c", config).code == 0
    sandbox.github.set_variable(
        OWNER, PLATFORM, "prod", "AWS_PLAN_ROLE_ARN", "arn:aws:iam::1:role/x"
    )
    sandbox.github.set_variable(OWNER, ADMIN, "dev", "DB_HOST", "edited-by-hand")
    lose_aws()

    result = cli("plan", "-c", config, "--detailed-exitcode", "--format", "json")
    assert result.code == 2, result.err
    doc = plan_json(result.out)
    # The hand-edited ARN is drift GitHub alone shows; the SSM value cannot be judged.
    assert [c["id"] for c in doc["changes"]] == [
        "alpha-swarm-ai/alphaswarm_platform/prod/variable/aws_plan_role_arn/update"
    ]
    assert finding_codes(doc) == ["aws.unavailable"]


def test_apply_without_aws_refuses_before_writing(
    cli: CliRunner, sandbox: Sandbox, config: Path, lose_aws: Callable[[], None]
) -> None:
    lose_aws()
    before = len(sandbox.github.requests)
    result = cli("apply", "--yes", "-c", config)
    assert result.code == 1
    assert "error: not applying: AWS is not readable" in result.err
    assert "Nothing was written" in result.err
    assert writes(sandbox, before) == []
