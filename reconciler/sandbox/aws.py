"""The AWS half of the sandbox: moto's server in this process, seeded from a config.

moto keeps state per account and picks the account of a request from its
access key: keys issued by `sts:AssumeRole` act in the account of the role ARN
they were issued for, any other key acts in moto's default account
(123456789012). So the sandbox caller is that default account, and the seeding
helpers reach account X by assuming a role ARN in X, exactly as `reconcile`
does through `aws.read_role`.

moto's state lives in module-level backends, so it is per process, not per
server: two sandboxes in one process share their accounts and `reset()` clears
both. Tests share one server per pytest-xdist worker (a process each).
"""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.request
from collections.abc import Mapping
from typing import Any

import botocore.session
from botocore.config import Config
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from reconciler.aws.sessions import new_session
from reconciler.aws.targets import collect
from reconciler.aws.trust import AUDIENCE, GITHUB_OIDC_HOST, provider_arn
from reconciler.model.desired import AwsSecretSource, DesiredState, SsmSecretSource
from reconciler.sandbox.aws_changes import MOTO_STATE, RESET_PATH, ChangeWatch

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
ACCESS_KEY = "sandbox-access-key"
SECRET_KEY = "sandbox-secret-key"
# GitHub's published intermediate thumbprint; AWS no longer checks it for GitHub.
_THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"
_ADMIN_ROLE = "reconcile-sandbox-admin"


def sample_value(name: str) -> str:
    """The deterministic value the sandbox stores for a secret or parameter name."""
    slug = name.strip("/").replace("/", "-") or "root"
    return f"sandbox-{slug}-value"


def github_trust_policy(account_id: str, subjects: list[str]) -> dict[str, Any]:
    """The trust a well-configured deploy role has: exactly these subjects."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn(account_id)},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": sorted(subjects),
                    }
                },
            }
        ],
    }


def _caller_trust() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


class _QuietHandler(MotoRequestHandler):
    """No access log on stderr: it would bury the CLI output of tests and demos."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _seeded_from(desired: DesiredState) -> tuple[object, ...] | None:
    """All of a config that `AwsSandbox.seed` reads, or None when it reads nothing
    from AWS: two configs that differ only elsewhere seed the same accounts."""
    targets = collect(desired)
    if desired.aws is None and not targets.accounts:
        return None
    return (desired.aws, targets.accounts)


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves a host.

    moto looks that up afresh for every request: it lists its own package
    folder (a directory read and ~150 stats) and tries every service's URL
    patterns, a third of what serving a request costs here. The answer for a
    host never changes while the process runs.
    """

    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self._backends: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        if host not in self._backends:
            self._backends[host] = super().get_backend_for_host(host)
        return self._backends[host]


class _QuietMotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        app = ChangeWatch(_Dispatcher())
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=_QuietHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


class AwsSandbox:
    def __init__(self, *, port: int = 0, region: str = DEFAULT_REGION) -> None:
        self._port = port
        self.region = region
        self._server: ThreadedMotoServer | None = None
        self._url: str | None = None
        self._lock = threading.RLock()
        self._session: botocore.session.Session | None = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._resets_seen = MOTO_STATE.resets

    # lifecycle -----------------------------------------------------------

    def start(self) -> AwsSandbox:
        server = _QuietMotoServer(ip_address="127.0.0.1", port=self._port, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        self._server = server
        self._url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        with self._lock:
            self._clients.clear()

    def prepare(
        self, desired: DesiredState, secret_values: Mapping[tuple[str, str], str] | None = None
    ) -> None:
        """Make the accounts hold what `seed(desired)` makes, then these secret
        values ((account, secret id): value).

        A reset and a new seed cost more than most tests that use them. When
        only reads reached moto since it was seeded for the same config, its
        state is already that, and only the values are put again.
        """
        values = dict(secret_values or {})
        needs = _seeded_from(desired)
        if needs is None and not values:
            return  # the config reads nothing from AWS: whatever moto holds will do
        # The secrets given values are part of what the state is: a later prepare
        # that puts the same ones overwrites them all, any other must seed afresh.
        fingerprint = hashlib.sha256(repr((needs, sorted(values))).encode("utf-8")).digest()
        # This server may not be the one that seeded (moto's state is the process's):
        # its clients must reach the region the seed wrote to.
        self._use_region(desired)
        with MOTO_STATE.lock:
            if not MOTO_STATE.as_seeded(fingerprint):
                MOTO_STATE.seeded_for = None
                self.reset()
                if desired.aws is not None:
                    self.seed(desired)
            for (account, secret_id), value in values.items():
                self.put_secret_value(account, secret_id, value)
            MOTO_STATE.seeded_for = fingerprint
            MOTO_STATE.changed = False

    def _use_region(self, desired: DesiredState) -> None:
        """The config's region, where its secrets and parameters live."""
        region = desired.aws.region if desired.aws is not None else None
        if region and region != self.region:
            with self._lock:
                self.region = region
                self._clients.clear()  # each client was made for the old region

    def reset(self) -> None:
        """Forget every account's state (and the credentials moto issued: `client()`
        makes its clients again after any reset, this one included)."""
        url = f"{self.endpoint_url}{RESET_PATH}"  # always http://127.0.0.1:<port>
        request = urllib.request.Request(url, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass

    def __enter__(self) -> AwsSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        if self._url is None:
            raise RuntimeError("start() the AWS sandbox first")
        return self._url

    @property
    def default_account(self) -> str:
        """The account of the sandbox credentials (moto's default account)."""
        return DEFAULT_ACCOUNT

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    # clients -------------------------------------------------------------

    def client(self, account: str, service: str) -> Any:
        """A client acting in `account` (the default account uses the plain keys)."""
        with self._lock:
            if self._resets_seen != MOTO_STATE.resets:
                # moto was reset (by this sandbox or another server of the process):
                # the credentials our clients for other accounts hold are gone.
                self._clients.clear()
                self._resets_seen = MOTO_STATE.resets
            key = (account, service)
            if key not in self._clients:
                config = Config(retries={"mode": "standard", "max_attempts": 2})
                key_id, secret, token = ACCESS_KEY, SECRET_KEY, None
                if account != DEFAULT_ACCOUNT:
                    creds = self.client(DEFAULT_ACCOUNT, "sts").assume_role(
                        RoleArn=f"arn:aws:iam::{account}:role/{_ADMIN_ROLE}",
                        RoleSessionName="sandbox",
                    )["Credentials"]
                    key_id = creds["AccessKeyId"]
                    secret = creds["SecretAccessKey"]
                    token = creds["SessionToken"]
                if self._session is None:
                    self._session = new_session()
                self._clients[key] = self._session.create_client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    config=config,
                    aws_access_key_id=key_id,
                    aws_secret_access_key=secret,
                    aws_session_token=token,
                )
            return self._clients[key]

    # seeding -------------------------------------------------------------

    def seed(self, desired: DesiredState) -> None:
        """What a correctly prepared set of accounts holds for this config."""
        settings = desired.aws
        self._use_region(desired)
        targets = collect(desired)
        accounts = set(settings.accounts.values()) if settings is not None else set()
        accounts.update(a for a in targets.accounts if a is not None)
        for account in sorted(accounts):
            self.create_oidc_provider(account)
            if settings is not None and settings.read_role:
                self._create_role(account, settings.read_role, _caller_trust())
        for owner_account, work in targets.accounts.items():
            where = owner_account or DEFAULT_ACCOUNT
            for role, uses in work.roles.items():
                # What the role is meant to trust: each environment that uses it,
                # and the contexts its value declares in also_trusted.
                subjects = sorted(
                    {
                        f"repo:{u.owner}/{u.repo}:{context}"
                        for u in uses
                        if u.environment is not None
                        for context in (f"environment:{u.environment}", *u.also_trusted)
                    }
                )
                self._create_role(
                    role.account_id, role.role_name, github_trust_policy(role.account_id, subjects)
                )
            for ref in work.parameters:
                self.put_parameter(where, ref.path, sample_value(ref.path))
            for source in work.secrets:
                if isinstance(source, AwsSecretSource):
                    self.put_secret_value(where, source.secret_id, sample_value(source.secret_id))
                elif isinstance(source, SsmSecretSource):
                    self.put_parameter(where, source.path, sample_value(source.path), secure=True)

    def create_oidc_provider(self, account: str, audiences: tuple[str, ...] = (AUDIENCE,)) -> None:
        iam = self.client(account, "iam")
        existing = {
            p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        }
        if provider_arn(account) in existing:
            return
        iam.create_open_id_connect_provider(
            Url=f"https://{GITHUB_OIDC_HOST}",
            ClientIDList=list(audiences),
            ThumbprintList=[_THUMBPRINT],
        )

    def _create_role(self, account: str, name: str, trust: Mapping[str, Any]) -> None:
        iam = self.client(account, "iam")
        try:
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        except iam.exceptions.EntityAlreadyExistsException:
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))

    # drift helpers -------------------------------------------------------

    def set_trust_policy(self, account: str, role: str, doc: str | Mapping[str, Any]) -> None:
        text = doc if isinstance(doc, str) else json.dumps(doc)
        self.client(account, "iam").update_assume_role_policy(RoleName=role, PolicyDocument=text)

    def create_role(self, account: str, role: str, doc: str | Mapping[str, Any]) -> None:
        self._create_role(account, role, json.loads(doc) if isinstance(doc, str) else doc)

    def delete_role(self, account: str, role: str) -> None:
        self.client(account, "iam").delete_role(RoleName=role)

    def delete_oidc_provider(self, account: str) -> None:
        self.client(account, "iam").delete_open_id_connect_provider(
            OpenIDConnectProviderArn=provider_arn(account)
        )

    def put_secret_value(self, account: str, secret_id: str, value: str) -> None:
        """Create the secret, or rotate it (a new version moves LastChangedDate)."""
        sm = self.client(account, "secretsmanager")
        try:
            sm.put_secret_value(SecretId=secret_id, SecretString=value)
        except sm.exceptions.ResourceNotFoundException:
            sm.create_secret(Name=secret_id, SecretString=value)

    def secret_value(self, account: str, secret_id: str) -> str:
        value: str = self.client(account, "secretsmanager").get_secret_value(SecretId=secret_id)[
            "SecretString"
        ]
        return value

    def delete_secret(self, account: str, secret_id: str) -> None:
        self.client(account, "secretsmanager").delete_secret(
            SecretId=secret_id, ForceDeleteWithoutRecovery=True
        )

    def put_parameter(self, account: str, path: str, value: str, *, secure: bool = False) -> None:
        self.client(account, "ssm").put_parameter(
            Name=path, Value=value, Type="SecureString" if secure else "String", Overwrite=True
        )

    def parameter_value(self, account: str, path: str) -> str:
        found = self.client(account, "ssm").get_parameter(Name=path, WithDecryption=True)
        value: str = found["Parameter"]["Value"]
        return value

    def delete_parameter(self, account: str, path: str) -> None:
        self.client(account, "ssm").delete_parameter(Name=path)
