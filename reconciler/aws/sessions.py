"""AWS sessions per account: the read role assumed once per run, or the caller's own.

botocore sessions are not thread-safe but its clients are, so one lock guards
every session and client creation and the clients are shared by the worker
threads afterwards.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws.errors import FATAL, AccountUnavailable, AwsError, fatal, finding_code, summary
from reconciler.model.desired import AwsAccess, role_arn
from reconciler.model.findings import Code

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_sts import STSClient

SESSION_NAME = "reconcile"

# Standard mode retries throttling and transient errors with backoff; the
# bound keeps a throttled account from stalling a plan for minutes.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=20,
    user_agent_extra="reconcile",
)
# AWS's own documented variable: every attempt counted, the first included.
MAX_ATTEMPTS_VARIABLE = "AWS_MAX_ATTEMPTS"


def client_config(environ: Mapping[str, str]) -> Config:
    """`CLIENT_CONFIG`, with as many attempts as AWS_MAX_ATTEMPTS says when it is set."""
    text = environ.get(MAX_ATTEMPTS_VARIABLE)
    if text is None:
        return CLIENT_CONFIG
    attempts = int(text) if text.strip().isdigit() else 0
    if attempts < 1:
        raise AwsError(
            f"{MAX_ATTEMPTS_VARIABLE} must be a whole number of at least 1, not {text!r}"
        )
    return CLIENT_CONFIG.merge(Config(retries={"mode": "standard", "total_max_attempts": attempts}))


_loader_lock = threading.Lock()
_loader: botocore.loaders.Loader | None = None


def new_session() -> botocore.session.Session:
    """A session that resolves credentials afresh but shares the parsed service
    models: loading them is most of the cost of a client (~100 ms each).

    botocore's, as boto3's `Session.client` wraps it: boto3's own session adds
    resources we never use, and appends its data folder to the loader's search
    path each time one is made, so a shared loader's path would grow by one
    folder per run.
    """
    global _loader  # noqa: PLW0603 - read-only model data, safe to share
    with _loader_lock:
        if _loader is None:
            _loader = botocore.loaders.create_loader()
        core = botocore.session.get_session()
        core.register_component("data_loader", _loader)
        return core


def resolve_region(settings: AwsAccess | None, environ: Mapping[str, str]) -> str | None:
    if settings is not None and settings.region:
        return settings.region
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None


class AwsSessions:
    """Clients for each account a run reads; `None` as account: the caller's own.

    One per run: the plan's reads, the dispatch check and apply's secret reads
    share it, so each read role is assumed and each client made once.
    """

    def __init__(
        self,
        settings: AwsAccess | None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.region = resolve_region(settings, env)
        self.read_role = settings.read_role if settings is not None else None
        self._environ = env
        self._lock = threading.RLock()
        self._base: botocore.session.Session | None = None
        # account -> temporary credentials of the read role; None: the caller's own
        self._credentials: dict[str, dict[str, str] | None] = {}
        self._failures: dict[str, AccountUnavailable] = {}
        self._clients: dict[tuple[str | None, str], Any] = {}
        self._caller: str | None = None

    def _base_session(self) -> botocore.session.Session:
        with self._lock:
            if self._base is None:
                self._base = new_session()
            return self._base

    def _make_client(self, service: str, credentials: dict[str, str] | None) -> Any:
        try:
            given = credentials or {}
            client = self._base_session().create_client(
                service,
                region_name=self.region,
                config=client_config(self._environ),
                aws_access_key_id=given.get("aws_access_key_id"),
                aws_secret_access_key=given.get("aws_secret_access_key"),
                aws_session_token=given.get("aws_session_token"),
            )
        except BotoCoreError as exc:
            raise fatal(exc, f"{service} client") from None
        return client

    def caller_account(self) -> str:
        with self._lock:
            if self._caller is None:
                sts: STSClient = self._client(None, "sts")
                try:
                    self._caller = sts.get_caller_identity()["Account"]
                except ClientError as exc:
                    raise AwsError(f"AWS sts:GetCallerIdentity failed: {summary(exc)}") from None
                except FATAL as exc:
                    raise fatal(exc, "sts:GetCallerIdentity") from None
            return self._caller

    def _account_credentials(self, account_id: str) -> dict[str, str] | None:
        """Credentials for an account, or the cached reason it cannot be read."""
        with self._lock:
            if account_id in self._failures:
                raise self._failures[account_id]
            if account_id not in self._credentials:
                try:
                    self._credentials[account_id] = self._open(account_id)
                except AccountUnavailable as exc:
                    self._failures[account_id] = exc
                    raise
            return self._credentials[account_id]

    def _open(self, account_id: str) -> dict[str, str] | None:
        if self.read_role is None:
            caller = self.caller_account()
            if caller != account_id:
                raise AccountUnavailable(
                    Code.ACCOUNT_MISMATCH,
                    f"account {account_id} cannot be read: the AWS credentials belong to "
                    f"account {caller} and no aws.read_role is configured to assume",
                )
            return None
        arn = role_arn(account_id, self.read_role)
        sts: STSClient = self._client(None, "sts")
        try:
            creds = sts.assume_role(RoleArn=arn, RoleSessionName=SESSION_NAME)["Credentials"]
        except ClientError as exc:
            raise AccountUnavailable(
                finding_code(exc),
                f"cannot assume read role {arn} in account {account_id}: {summary(exc)}",
            ) from None
        except FATAL as exc:
            raise fatal(exc, f"sts:AssumeRole {arn}") from None
        return {
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"],
        }

    def _client(self, account_id: str | None, service: str) -> Any:
        with self._lock:
            key = (account_id, service)
            if key not in self._clients:
                creds = None if account_id is None else self._account_credentials(account_id)
                self._clients[key] = self._make_client(service, creds)
            return self._clients[key]

    def check(self, account_id: str | None) -> None:
        """Raise `AccountUnavailable` now if this account cannot be read."""
        if account_id is not None:
            self._account_credentials(account_id)

    def iam(self, account_id: str | None) -> IAMClient:
        client: IAMClient = self._client(account_id, "iam")
        return client

    def ssm(self, account_id: str | None) -> SSMClient:
        client: SSMClient = self._client(account_id, "ssm")
        return client

    def secretsmanager(self, account_id: str | None) -> SecretsManagerClient:
        client: SecretsManagerClient = self._client(account_id, "secretsmanager")
        return client
