"""The AWS sandbox itself: what seed() creates and how tests change it."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import boto3
import pytest

from reconciler.aws.trust import AUDIENCE, admits, parse_policy, provider_arn
from reconciler.model.desired import DesiredState
from reconciler.sandbox.aws import AwsSandbox, sample_value
from reconciler.sandbox.aws_changes import only_reads, operation

from .conftest import ACCOUNTS, OWNER, SECRET_ID, build_desired

SUBJECTS = {
    f"repo:{OWNER}/{repo}:environment:prod" for repo in ("alphaswarm_platform", "alphaswarm_admin")
}


def test_env_points_boto3_at_the_server(aws: AwsSandbox) -> None:
    env = aws.env()
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"]
    sts = boto3.client(
        "sts",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    assert sts.get_caller_identity()["Account"] == aws.default_account


def test_seed_creates_roles_trusting_exactly_the_managed_subjects(
    seeded: AwsSandbox,
) -> None:
    prod = ACCOUNTS["prod"]
    iam = seeded.client(prod, "iam")
    role = iam.get_role(RoleName="aqp-gha-apply")["Role"]
    statements = parse_policy(role["AssumeRolePolicyDocument"])
    condition = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"]

    assert set(condition["token.actions.githubusercontent.com:sub"]) == SUBJECTS
    assert condition["token.actions.githubusercontent.com:aud"] == AUDIENCE
    assert all(admits(statements, provider_arn(prod), s) for s in SUBJECTS)
    providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert [p["Arn"] for p in providers] == [provider_arn(prod)]
    iam.get_role(RoleName="aqp-reconciler-read")


def test_accounts_are_isolated(seeded: AwsSandbox) -> None:
    seeded.delete_role(ACCOUNTS["dev"], "aqp-gha-apply")

    staging = seeded.client(ACCOUNTS["staging"], "iam")
    assert staging.get_role(RoleName="aqp-gha-apply")["Role"]["Arn"].startswith(
        f"arn:aws:iam::{ACCOUNTS['staging']}:"
    )
    dev_roles = {r["RoleName"] for r in seeded.client(ACCOUNTS["dev"], "iam").list_roles()["Roles"]}
    assert "aqp-gha-apply" not in dev_roles


def test_set_trust_policy_replaces_the_document(seeded: AwsSandbox) -> None:
    dev = ACCOUNTS["dev"]
    doc: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn(dev)},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "*"}},
            }
        ],
    }
    seeded.set_trust_policy(dev, "aqp-gha-apply", json.dumps(doc))

    role = seeded.client(dev, "iam").get_role(RoleName="aqp-gha-apply")["Role"]
    assert role["AssumeRolePolicyDocument"] == doc


def test_reset_forgets_everything_and_seed_again_works(
    seeded: AwsSandbox, desired: DesiredState
) -> None:
    seeded.put_secret_value(ACCOUNTS["prod"], SECRET_ID, "changed")
    seeded.reset()
    names = seeded.client(ACCOUNTS["prod"], "secretsmanager").list_secrets()["SecretList"]
    assert names == []

    seeded.seed(desired)
    assert seeded.secret_value(ACCOUNTS["prod"], SECRET_ID) != "changed"


def test_a_second_sandbox_runs_on_its_own_port() -> None:
    with AwsSandbox() as other:
        assert other.endpoint_url.startswith("http://127.0.0.1:")
        assert other.client(other.default_account, "sts").get_caller_identity()["Account"]


def _role_id(aws: AwsSandbox) -> str:
    role: str = aws.client(ACCOUNTS["prod"], "iam").get_role(RoleName="aqp-gha-apply")["Role"][
        "RoleId"
    ]
    return role


def test_prepare_seeds_again_only_after_something_may_have_written(
    aws: AwsSandbox, desired: DesiredState
) -> None:
    """A shared moto is reset and seeded again when a request that may write
    reached it, or the config differs; after reads alone its state stands, and
    only the given secret values are put (moto names each new role anew)."""
    prod = ACCOUNTS["prod"]
    aws.prepare(desired, {(prod, SECRET_ID): "token-0"})
    seeded = _role_id(aws)
    aws.client(prod, "secretsmanager").get_secret_value(SecretId=SECRET_ID)
    aws.client(prod, "sts").get_caller_identity()
    aws.prepare(desired, {(prod, SECRET_ID): "token-1"})
    assert _role_id(aws) == seeded
    assert aws.secret_value(prod, SECRET_ID) == "token-1"

    # Without the value given, the seed's own value is what the state must hold.
    aws.prepare(desired)
    assert aws.secret_value(prod, SECRET_ID) == sample_value(SECRET_ID)
    seeded = _role_id(aws)

    aws.put_parameter(prod, "/left-behind", "by a test")
    aws.prepare(desired)
    assert _role_id(aws) != seeded
    names = {p["Name"] for p in aws.client(prod, "ssm").describe_parameters()["Parameters"]}
    assert "/left-behind" not in names
    assert aws.secret_value(prod, SECRET_ID) != "token-1"

    reseeded = _role_id(aws)
    aws.prepare(build_desired(read_role="another-read-role"))
    aws.prepare(desired)
    assert _role_id(aws) != reseeded


def test_prepare_keeps_the_seed_for_configs_that_seed_the_same(
    aws: AwsSandbox, desired: DesiredState
) -> None:
    """Only what seed() reads of a config decides whether moto is seeded again:
    a config that differs elsewhere, or that reads nothing from AWS, keeps it."""
    aws.prepare(desired)
    seeded = _role_id(aws)
    first, *others = desired.repositories[0].environments
    waiting = (replace(first, wait_timer=30), *others)
    elsewhere = replace(
        desired,
        repositories=(
            replace(desired.repositories[0], environments=waiting),
            *desired.repositories[1:],
        ),
        prune=not desired.prune,
    )
    nothing_from_aws = DesiredState(owner=OWNER, repositories=())
    for other in (elsewhere, nothing_from_aws, desired):
        aws.prepare(other)
        assert _role_id(aws) == seeded, other
    # One repository fewer: fewer subjects for the roles to trust, a new seed.
    aws.prepare(replace(desired, repositories=desired.repositories[1:]))
    assert _role_id(aws) != seeded


def test_a_write_through_another_server_of_the_process_counts(
    aws: AwsSandbox, desired: DesiredState
) -> None:
    """moto's accounts are one state per process: `reconcile demo` starting its
    own server in a test process changes what the shared server serves."""
    aws.prepare(desired)
    seeded = _role_id(aws)
    with AwsSandbox() as other:
        other.put_parameter(other.default_account, "/from-the-other-server", "x")
    aws.prepare(desired)
    assert _role_id(aws) != seeded


@pytest.mark.parametrize(
    ("environ", "name", "reads"),
    [
        ({"HTTP_X_AMZ_TARGET": "AmazonSSM.GetParameter"}, "GetParameter", True),
        ({"HTTP_X_AMZ_TARGET": "secretsmanager.PutSecretValue"}, "PutSecretValue", False),
        ({"QUERY_STRING": "Action=ListRoles&Version=2010-05-08"}, "ListRoles", True),
        ({"QUERY_STRING": "Action=AssumeRole"}, "AssumeRole", True),
        ({"QUERY_STRING": "Action=UpdateAssumeRolePolicy"}, "UpdateAssumeRolePolicy", False),
        ({"PATH_INFO": "/moto-api/reset"}, None, False),
    ],
)
def test_the_watch_names_the_operation_and_whether_it_only_reads(
    environ: dict[str, Any], name: str | None, reads: bool
) -> None:
    assert operation(environ) == name
    assert only_reads(name) is reads


def test_a_form_body_is_read_for_its_action_and_left_for_moto() -> None:
    body = b"Action=DeleteRole&RoleName=x"
    environ: dict[str, Any] = {
        "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    assert operation(environ) == "DeleteRole"
    assert environ["wsgi.input"].read() == body


def test_a_reset_by_another_server_renews_this_sandboxs_clients(
    aws: AwsSandbox, desired: DesiredState
) -> None:
    """A reset forgets the credentials AssumeRole issued, whichever server took it:
    values put afterwards must still land in their account, not moto's default one."""
    prod = ACCOUNTS["prod"]
    aws.prepare(desired)
    aws.secret_value(prod, SECRET_ID)  # a client holding assumed-role credentials
    with AwsSandbox() as other:
        other.reset()
        other.prepare(desired)  # after a reset: seeds it again, and it is as seeded
        aws.prepare(desired, {(prod, SECRET_ID): "after-the-other-reset"})
        assert other.secret_value(prod, SECRET_ID) == "after-the-other-reset"
