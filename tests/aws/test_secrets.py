"""Apply-time secret reads: the value comes back, and goes nowhere else."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from reconciler.aws import AwsError, read_secret_value, secret_reader
from reconciler.model.desired import AwsSecretSource, DesiredState, EnvSecretSource, SsmSecretSource
from reconciler.sandbox.aws import AwsSandbox, sample_value

from .conftest import ACCOUNTS, ENV_VAR, SECRET_ID, SSM_SECRET_PATH, build_desired

PROD = ACCOUNTS["prod"]


def test_reads_all_three_source_kinds(seeded: AwsSandbox, desired: DesiredState) -> None:
    read = secret_reader(desired)

    assert read(AwsSecretSource(SECRET_ID, PROD)) == sample_value(SECRET_ID)
    assert read(SsmSecretSource(SSM_SECRET_PATH, ACCOUNTS["dev"])) == sample_value(SSM_SECRET_PATH)
    assert read(EnvSecretSource(ENV_VAR)) == "env-signing-key-value"
    # The sandbox exposes the same values to tests.
    assert seeded.secret_value(PROD, SECRET_ID) == sample_value(SECRET_ID)
    assert seeded.parameter_value(ACCOUNTS["dev"], SSM_SECRET_PATH) == sample_value(SSM_SECRET_PATH)


def test_ssm_secure_string_is_decrypted(seeded: AwsSandbox, desired: DesiredState) -> None:
    seeded.put_parameter(ACCOUNTS["staging"], SSM_SECRET_PATH, "s3cr3t-webhook", secure=True)

    value = read_secret_value(
        SsmSecretSource(SSM_SECRET_PATH, ACCOUNTS["staging"]), settings=desired.aws
    )

    assert value == "s3cr3t-webhook"


def test_rotated_value_is_read(seeded: AwsSandbox, desired: DesiredState) -> None:
    seeded.put_secret_value(PROD, SECRET_ID, "rotated-token")

    assert secret_reader(desired)(AwsSecretSource(SECRET_ID, PROD)) == "rotated-token"


def test_callers_own_account_when_the_source_names_none(aws: AwsSandbox) -> None:
    aws.put_secret_value(aws.default_account, "shared/token", "own-account-token")

    value = read_secret_value(AwsSecretSource("shared/token", None), settings=build_desired().aws)

    assert value == "own-account-token"


@pytest.mark.parametrize(
    "source",
    [
        AwsSecretSource("alphaswarm/missing", PROD),
        SsmSecretSource("/alphaswarm/missing", PROD),
        EnvSecretSource("RECONCILE_TEST_UNSET"),
    ],
    ids=["secretsmanager", "ssm", "env"],
)
def test_missing_source_is_a_one_line_error(
    seeded: AwsSandbox, desired: DesiredState, source: Any
) -> None:
    with pytest.raises(AwsError) as caught:
        secret_reader(desired)(source)

    message = str(caught.value)
    assert "\n" not in message
    assert "missing" in message.lower() or "not set" in message


def test_account_mismatch_without_read_role_is_an_error(seeded: AwsSandbox) -> None:
    settings = build_desired(read_role=None).aws

    with pytest.raises(AwsError) as caught:
        read_secret_value(AwsSecretSource(SECRET_ID, PROD), settings=settings)

    assert PROD in str(caught.value)
    assert seeded.default_account in str(caught.value)


def test_value_never_reaches_logs_or_errors(
    seeded: AwsSandbox,
    desired: DesiredState,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    value = "tok-e2e5b3c7-never-print"
    seeded.put_secret_value(PROD, SECRET_ID, value)
    caplog.set_level(logging.DEBUG)

    assert secret_reader(desired)(AwsSecretSource(SECRET_ID, PROD)) == value
    # botocore logs bodies at DEBUG; the adapter must not add the value elsewhere
    # and the failure path must not echo it.
    with pytest.raises(AwsError) as caught:
        secret_reader(desired)(AwsSecretSource(value, PROD))
    captured = capsys.readouterr()
    own_records = [r for r in caplog.records if r.name.startswith("reconciler")]
    assert all(value not in r.getMessage() for r in own_records)
    assert value not in captured.out + captured.err
    assert SECRET_ID not in str(caught.value)
