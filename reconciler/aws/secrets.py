"""Apply-time reads of secret values. The value is returned to the caller and
nowhere else: it is never logged and never part of an exception message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws.errors import FATAL, NOT_FOUND, AccountUnavailable, AwsError, error_code, fatal
from reconciler.aws.sessions import AwsSessions
from reconciler.model.desired import (
    AwsAccess,
    AwsSecretSource,
    DesiredState,
    EnvSecretSource,
    SecretSource,
    SsmSecretSource,
)


def read_secret_value(
    source: SecretSource,
    *,
    settings: AwsAccess | None = None,
    environ: Mapping[str, str] | None = None,
    sessions: AwsSessions | None = None,
) -> str:
    """The secret's value; `settings` (the config's `aws`) say how to reach its account.

    Raises `AwsError` naming the source and account, never the value.
    """
    env = os.environ if environ is None else environ
    if isinstance(source, EnvSecretSource):
        if source.variable not in env:
            raise AwsError(f"environment variable {source.variable} is not set")
        if not env[source.variable].strip():
            # A pull request from a fork sees every secret as "": never write that.
            raise AwsError(f"environment variable {source.variable} is set but empty")
        return env[source.variable]
    if sessions is None:
        sessions = AwsSessions(settings, environ=env)
    return _read_aws(sessions, source)


def secret_reader(
    desired: DesiredState,
    *,
    environ: Mapping[str, str] | None = None,
    sessions: AwsSessions | None = None,
) -> Callable[[SecretSource], str]:
    """A reader for one run: the read role is assumed once per account (the
    run's `sessions`, or new ones)."""
    env = os.environ if environ is None else environ
    shared = sessions if sessions is not None else AwsSessions(desired.aws, environ=env)

    def read(source: SecretSource) -> str:
        return read_secret_value(source, environ=env, sessions=shared)

    return read


def _read_aws(sessions: AwsSessions, source: AwsSecretSource | SsmSecretSource) -> str:
    account = source.account_id
    where = f"account {account}" if account else "the caller's account"
    name = source.secret_id if isinstance(source, AwsSecretSource) else source.path
    what = f"secret source {name} in {where}"
    try:
        if isinstance(source, AwsSecretSource):
            client = sessions.secretsmanager(account)
            found = client.get_secret_value(SecretId=source.secret_id)
            if "SecretString" not in found:
                raise AwsError(f"{what} has no SecretString (binary secrets are not supported)")
            return found["SecretString"]
        ssm = sessions.ssm(account)
        parameter = ssm.get_parameter(Name=source.path, WithDecryption=True)["Parameter"]
        return parameter.get("Value", "")
    except AccountUnavailable as exc:
        raise AwsError(f"cannot read {what}: {exc}") from None
    except ClientError as exc:
        # Only the error code: some services echo request fields in messages.
        code = error_code(exc)
        if code in NOT_FOUND:
            raise AwsError(f"{what} not found") from None
        raise AwsError(f"cannot read {what}: {code}") from None
    except FATAL as exc:
        raise fatal(exc, f"reading {what}") from None
    except BotoCoreError as exc:
        raise AwsError(f"cannot read {what}: {type(exc).__name__}") from None
