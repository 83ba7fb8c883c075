"""Plan-time AWS reads: roles and their trust, OIDC providers, parameters and
secret-source metadata. Only Get/List/Describe calls (and sts:AssumeRole for the
read role); secret values are never read here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws import trust
from reconciler.aws.errors import (
    FATAL,
    NOT_FOUND,
    AccountUnavailable,
    AwsError,
    error_code,
    fatal,
    unavailable_message,
)
from reconciler.aws.errors import finding_code as _finding_code
from reconciler.aws.errors import summary as _summary
from reconciler.aws.sessions import AwsSessions
from reconciler.aws.targets import AccountTargets, RoleTarget, Targets, Usage, collect
from reconciler.aws.trust_check import judge_trust
from reconciler.model.desired import AwsSecretSource, DesiredState, SsmParameterRef, SsmSecretSource
from reconciler.model.findings import Code
from reconciler.model.limits import MAX_VALUE_BYTES, value_bytes
from reconciler.model.observed import AwsFacts
from reconciler.model.plan import Finding
from reconciler.model.plan import Severity as FindingSeverity
from reconciler.model.progress import Advance, Tracker, quiet
from reconciler.model.subjects import SubjectTemplate

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient

T = TypeVar("T")
Severity = Literal["error", "warning"]
# Folded "owner/repo" -> that repository's OIDC subject template, asked for lazily.
SubjectLookup = Callable[[], Mapping[str, SubjectTemplate]]


class _Missing(Exception):
    """The resource does not exist (NoSuchEntity, ParameterNotFound, ...)."""


class _Result:
    def __init__(self) -> None:
        self.parameters: dict[str, str] = {}
        self.changed_at: dict[str, datetime | None] = {}
        self.findings: list[Finding] = []
        self.unreadable: set[str] = set()

    def add(self, severity: Severity, code: Code, message: str, uses: Iterable[Usage]) -> None:
        places: set[tuple[str | None, str | None]] = {(u.repository, u.environment) for u in uses}
        for repository, environment in sorted(places, key=lambda p: (p[0] or "", p[1] or "")):
            finding = Finding(FindingSeverity(severity), code, message, repository, environment)
            self.findings.append(finding)


def observe_aws(
    desired: DesiredState,
    *,
    environ: Mapping[str, str] | None = None,
    concurrency: int = 4,
    sessions: AwsSessions | None = None,
    subjects: SubjectLookup | None = None,
    track: Tracker = quiet,
) -> AwsFacts:
    """Read what the desired state refers to in AWS; problems become findings.

    `subjects` gives each repository's OIDC subject template (folded
    "owner/repo" -> template; GitHub's default for any other). It is called
    only once a trust policy is to be judged, so GitHub can still be reading
    the templates while AWS is read.

    When AWS cannot be reached at all (no credentials, no region, an
    unreachable endpoint), the facts say so in `unavailable` with one
    `aws.unavailable` error, so the plan can still show the GitHub side.
    """
    lookup: SubjectLookup = subjects if subjects is not None else dict
    env = os.environ if environ is None else environ
    targets = collect(desired)
    result = _Result()
    _env_sources(targets, env, result)
    unavailable: str | None = None
    if targets.accounts:
        if sessions is None:
            sessions = AwsSessions(desired.aws, environ=env)
        read = track("Reading AWS accounts", len(targets.accounts))
        try:
            _accounts(sessions, targets, result, concurrency=concurrency, read=read, lookup=lookup)
        except AwsError as exc:
            # One account's trouble is a finding inside _account; this is all of AWS,
            # and _accounts merged nothing of the accounts read before it failed.
            unavailable = str(exc)
            result.findings.append(
                Finding(FindingSeverity.ERROR, Code.UNAVAILABLE, unavailable_message(exc))
            )
    return AwsFacts(
        parameter_values=result.parameters,
        source_changed_at=result.changed_at,
        findings=tuple(result.findings),
        unavailable=unavailable,
        unreadable_accounts=frozenset(result.unreadable),
    )


def _accounts(
    sessions: AwsSessions,
    targets: Targets,
    result: _Result,
    *,
    concurrency: int,
    read: Advance,
    lookup: SubjectLookup,
) -> None:
    def one(account: str | None, work: AccountTargets) -> _Result:
        part = _account(sessions, account, work, lookup)
        read()
        return part

    workers = max(1, min(concurrency, len(targets.accounts)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aws") as pool:
        futures = [pool.submit(one, account, work) for account, work in targets.accounts.items()]
        parts = [f.result() for f in futures]
    for part in parts:
        result.parameters.update(part.parameters)
        result.changed_at.update(part.changed_at)
        result.findings.extend(part.findings)
        result.unreadable.update(part.unreadable)


def observe_env_sources(
    desired: DesiredState, *, environ: Mapping[str, str] | None = None
) -> AwsFacts:
    """Only what `env:` secret sources show (no AWS call): for a file that needs no AWS."""
    result = _Result()
    _env_sources(collect(desired), os.environ if environ is None else environ, result)
    return AwsFacts(source_changed_at=result.changed_at, findings=tuple(result.findings))


def _env_sources(targets: Targets, environ: Mapping[str, str], result: _Result) -> None:
    """Presence, emptiness and size: all that can be known of a value that is local."""
    for source, uses in targets.env_sources.items():
        result.changed_at[source.describe()] = None
        names = f"source of {', '.join(sorted({u.name for u in uses}))}"
        value = environ.get(source.variable)
        if value is None:
            result.add(
                "error",
                Code.SOURCE_MISSING,
                f"environment variable {source.variable} is not set in this run ({names})",
                uses,
            )
        elif not value.strip():
            # What a pull request from a fork sees: GitHub passes its secrets as "".
            result.add(
                "error",
                Code.SOURCE_EMPTY,
                f"environment variable {source.variable} is set but empty in this run "
                f"({names}); an empty secret is never written",
                uses,
            )
        elif value_bytes(value) > MAX_VALUE_BYTES:
            result.add(
                "error",
                Code.VALUE_TOO_LARGE,
                f"environment variable {source.variable} holds {value_bytes(value):,} bytes, "
                f"over GitHub's limit of 48 KB ({MAX_VALUE_BYTES:,} bytes) per secret ({names})",
                uses,
            )


def _account(
    sessions: AwsSessions, account: str | None, work: AccountTargets, subjects: SubjectLookup
) -> _Result:
    result = _Result()
    try:
        sessions.check(account)
    except AccountUnavailable as exc:
        result.add("error", exc.code, str(exc), work.usages())
        if account is not None:
            result.unreadable.add(account)
        return result
    if work.roles and account is not None:
        _roles(sessions, account, work.roles, result, subjects)
    ctx = _Account(sessions, account, result)
    for ref, uses in work.parameters.items():
        _parameter(ctx, ref, uses)
    for source, uses in work.secrets.items():
        _secret_source(ctx, source, uses)
    return result


def _call(
    fn: Callable[[], T],
    result: _Result,
    uses: Iterable[Usage],
    what: str,
) -> T | None:
    """Run one AWS call; a missing resource raises `_Missing`, other errors become
    findings (None returned), connection problems stop the run."""
    try:
        return fn()
    except ClientError as exc:
        if error_code(exc) in NOT_FOUND:
            raise _Missing from None
        result.add("error", _finding_code(exc), f"{what}: {_summary(exc)}", uses)
        return None
    except FATAL as exc:
        raise fatal(exc, what) from None
    except BotoCoreError as exc:
        # e.g. a name AWS's own validation rejects; the class name says enough.
        result.add("error", Code.REQUEST_FAILED, f"{what}: {type(exc).__name__}", uses)
        return None


def _roles(
    sessions: AwsSessions,
    account: str,
    roles: dict[RoleTarget, list[Usage]],
    result: _Result,
    subjects: SubjectLookup,
) -> None:
    iam = sessions.iam(account)
    provider = trust.provider_arn(account)
    every_use = [u for uses in roles.values() for u in uses]
    listing = _call(
        iam.list_open_id_connect_providers,
        result,
        every_use,
        f"cannot list OIDC providers in account {account}",
    )
    if listing is not None:
        arns = {p.get("Arn", "") for p in listing.get("OpenIDConnectProviderList", [])}
        if provider not in arns:
            result.add(
                "error",
                Code.OIDC_PROVIDER_MISSING,
                f"account {account} has no GitHub OIDC provider {provider}, so no role "
                "in it can be assumed from GitHub Actions",
                every_use,
            )
        else:
            _provider_audience(iam, account, provider, every_use, result)
    for role, uses in roles.items():
        _role(iam, account, role, uses, result, subjects)


def _provider_audience(
    client: IAMClient, account: str, provider: str, uses: list[Usage], result: _Result
) -> None:
    try:
        found = _call(
            lambda: client.get_open_id_connect_provider(OpenIDConnectProviderArn=provider),
            result,
            uses,
            f"cannot read OIDC provider {provider}",
        )
    except _Missing:
        return  # deleted between list and get: the next plan reports it
    if found is not None and trust.AUDIENCE not in found.get("ClientIDList", []):
        result.add(
            "error",
            Code.OIDC_AUDIENCE_MISSING,
            f"GitHub OIDC provider in account {account} does not list audience "
            f"{trust.AUDIENCE}, so GitHub tokens are refused",
            uses,
        )


def _role(  # noqa: PLR0917 - one role's whole context
    client: IAMClient,
    account: str,
    role: RoleTarget,
    uses: list[Usage],
    result: _Result,
    subjects: SubjectLookup,
) -> None:
    variables = ", ".join(sorted({u.name for u in uses}))
    try:
        found = _call(
            lambda: client.get_role(RoleName=role.role_name),
            result,
            uses,
            f"cannot read role {role.arn} in account {account}",
        )
    except _Missing:
        result.add(
            "error",
            Code.ROLE_MISSING,
            f"role {role.role_name} does not exist in account {account} ({variables})",
            uses,
        )
        return
    if found is None:
        return
    document: str | Mapping[str, Any] = found["Role"].get("AssumeRolePolicyDocument", {})
    try:
        statements = trust.parse_policy(document)
    except trust.TrustPolicyError as exc:
        result.add(
            "error",
            Code.TRUST_UNREADABLE,
            f"trust policy of role {role.role_name} in account {account}: {exc}",
            uses,
        )
        return
    for verdict in judge_trust(statements, account, role, uses, subjects()):
        result.add(verdict.severity, verdict.code, verdict.message, verdict.uses)


@dataclass(frozen=True)
class _Account:
    """One account's worker: its clients come from `sessions`, findings go to `result`."""

    sessions: AwsSessions
    account: str | None
    result: _Result

    @property
    def where(self) -> str:
        return f"account {self.account}" if self.account else "the caller's account"


def _parameter(ctx: _Account, ref: SsmParameterRef, uses: list[Usage]) -> None:
    ssm = ctx.sessions.ssm(ctx.account)
    try:
        found = _call(
            lambda: ssm.get_parameter(Name=ref.path, WithDecryption=False),
            ctx.result,
            uses,
            f"cannot read SSM parameter {ref.path} in {ctx.where}",
        )
    except _Missing:
        message = f"SSM parameter {ref.path} not found in {ctx.where}"
        ctx.result.add("error", Code.PARAMETER_MISSING, message, uses)
        return
    if found is None:
        return
    parameter = found["Parameter"]
    if parameter.get("Type") == "SecureString":
        # A variable is stored in clear on GitHub; a SecureString belongs in a secret.
        ctx.result.add(
            "error",
            Code.PARAMETER_SECURE,
            f"SSM parameter {ref.path} in {ctx.where} is a SecureString; declare it as a "
            "secret, not a variable",
            uses,
        )
        return
    ctx.result.parameters[ref.describe()] = parameter.get("Value", "")


def _secret_source(
    ctx: _Account, source: AwsSecretSource | SsmSecretSource, uses: list[Usage]
) -> None:
    try:
        if isinstance(source, AwsSecretSource):
            changed = _secret_changed(ctx, source.secret_id, uses)
        else:
            changed = _parameter_changed(ctx, source.path, uses)
    except _Missing:
        name = source.secret_id if isinstance(source, AwsSecretSource) else source.path
        ctx.result.add(
            "error",
            Code.SECRET_MISSING,
            f"secret source {name} not found in {ctx.where} "
            f"(for {', '.join(sorted({u.name for u in uses}))})",
            uses,
        )
        return
    if changed is not None:
        ctx.result.changed_at[source.describe()] = changed


def _secret_changed(ctx: _Account, secret_id: str, uses: list[Usage]) -> datetime | None:
    client = ctx.sessions.secretsmanager(ctx.account)
    found = _call(
        lambda: client.describe_secret(SecretId=secret_id),
        ctx.result,
        uses,
        f"cannot describe secret {secret_id} in {ctx.where}",
    )
    if found is None:
        return None
    if found.get("DeletedDate") is not None:
        raise _Missing  # scheduled for deletion: apply could not read it
    return found.get("LastChangedDate") or found.get("CreatedDate")


def _parameter_changed(ctx: _Account, path: str, uses: list[Usage]) -> datetime | None:
    ssm = ctx.sessions.ssm(ctx.account)
    found = _call(
        lambda: ssm.describe_parameters(
            ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [path]}]
        ),
        ctx.result,
        uses,
        f"cannot describe SSM parameter {path} in {ctx.where}",
    )
    if found is None:
        return None
    parameters = found.get("Parameters", [])
    if not parameters:
        raise _Missing
    return parameters[0].get("LastModifiedDate")
