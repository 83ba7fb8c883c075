"""The AWS sandbox per test (one moto server per worker, reset between tests)
and a desired state built directly, without the YAML loader.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.model.desired import (
    AwsAccess,
    AwsSecretSource,
    DesiredEnvironment,
    DesiredRepository,
    DesiredSecret,
    DesiredState,
    EnvSecretSource,
    IamRoleRef,
    SsmParameterRef,
    SsmSecretSource,
    VariableValue,
)
from reconciler.sandbox.aws import AwsSandbox

OWNER = "Alpha-Swarm-ai"
ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "333333333333"}
APPROVALS = {"dev": 0, "staging": 1, "prod": 2}
PARAM_PATH = "/alphaswarm/cluster-name"
SECRET_ID = "alphaswarm/platform-dispatch-token"
SSM_SECRET_PATH = "/alphaswarm/webhook-key"
ENV_VAR = "RECONCILE_TEST_SIGNING_KEY"


def build_desired(
    *,
    read_role: str | None = "aqp-reconciler-read",
    accounts: dict[str, str] | None = None,
    extra_env_variables: dict[str, VariableValue] | None = None,
) -> DesiredState:
    accounts = dict(ACCOUNTS if accounts is None else accounts)

    def env(name: str) -> DesiredEnvironment:
        account = accounts[name]
        variables: dict[str, VariableValue] = {
            "AWS_DEPLOYER_ROLE_ARN": IamRoleRef("aqp-gha-apply", account),
            "CLUSTER_NAME": SsmParameterRef(PARAM_PATH, account),
            **(extra_env_variables or {}),
        }
        return DesiredEnvironment(
            name=name,
            required_approvals=APPROVALS[name],
            reviewers=(),
            prevent_self_review=APPROVALS[name] == 2,
            wait_timer=0,
            branch_patterns=None,
            variables=variables,
            secrets={
                "WEBHOOK_KEY": DesiredSecret(
                    "WEBHOOK_KEY", SsmSecretSource(SSM_SECRET_PATH, account)
                )
            },
            account_id=account,
        )

    def repo(name: str) -> DesiredRepository:
        return DesiredRepository(
            owner=OWNER,
            name=name,
            environments=tuple(env(n) for n in accounts),
        )

    admin = repo("alphaswarm_admin")
    admin = DesiredRepository(
        owner=admin.owner,
        name=admin.name,
        environments=admin.environments,
        secrets={
            "PLATFORM_DISPATCH_TOKEN": DesiredSecret(
                "PLATFORM_DISPATCH_TOKEN",
                AwsSecretSource(SECRET_ID, accounts.get("prod", accounts["dev"])),
            ),
            "SIGNING_KEY": DesiredSecret("SIGNING_KEY", EnvSecretSource(ENV_VAR)),
        },
    )
    return DesiredState(
        owner=OWNER,
        repositories=(repo("alphaswarm_platform"), admin),
        aws=AwsAccess(region="us-east-1", read_role=read_role, accounts=accounts),
    )


@pytest.fixture
def aws(aws_reachable: AwsSandbox) -> AwsSandbox:
    """A clean moto with the sandbox credentials in the environment."""
    aws_reachable.reset()
    return aws_reachable


@pytest.fixture
def aws_reachable(
    aws_server: AwsSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[AwsSandbox]:
    """The worker's moto as it is, with the sandbox credentials in the environment."""
    for key, value in aws_server.env().items():
        monkeypatch.setenv(key, value)
    # No shared config or instance metadata: a lookup there would be slow and not ours.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv(ENV_VAR, "env-signing-key-value")
    yield aws_server


@pytest.fixture
def desired() -> DesiredState:
    return build_desired()


@pytest.fixture
def seeded(aws_reachable: AwsSandbox, desired: DesiredState) -> AwsSandbox:
    """moto holding what `seed(desired)` makes (seeded again only if something wrote)."""
    aws_reachable.prepare(desired)
    return aws_reachable
