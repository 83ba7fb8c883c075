"""How AWS failures are named: one-line errors and the finding code they map to."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from reconciler.errors import ReconcileError
from reconciler.model.findings import Code

_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
    }
)
_THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ThrottledException",
        "ProvisionedThroughputExceededException",
    }
)
NOT_FOUND = frozenset(
    {"NoSuchEntity", "NoSuchEntityException", "ParameterNotFound", "ResourceNotFoundException"}
)


class AwsError(ReconcileError):
    """An AWS problem that stops the run, in one line naming account and resource."""


class AccountUnavailable(AwsError):
    """This account cannot be read; its checks become findings with `code`."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def finding_code(exc: ClientError) -> Code:
    code = error_code(exc)
    if code in _DENIED:
        return Code.ACCESS_DENIED
    if code in _THROTTLED:
        return Code.THROTTLED
    return Code.REQUEST_FAILED


def summary(exc: ClientError) -> str:
    """`Code: message` on one line; AWS messages name resources, never secret values."""
    error = exc.response.get("Error", {})
    message = " ".join(str(error.get("Message", "")).split())[:200]
    return f"{error_code(exc)}: {message}" if message else error_code(exc)


FATAL: tuple[type[BotoCoreError], ...] = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    NoCredentialsError,
    PartialCredentialsError,
    NoRegionError,
)


def fatal(exc: BotoCoreError, where: str) -> AwsError:
    """A connection/credential/region problem: nothing else in this run will work."""
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        why = "no usable AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID/SECRET)"
    elif isinstance(exc, NoRegionError):
        why = "no AWS region (set aws.region in the config, or AWS_REGION)"
    else:
        why = " ".join(str(exc).split())
    return AwsError(f"AWS {where}: {why}")


def unavailable_message(exc: AwsError) -> str:
    """The `aws.unavailable` finding's text: AWS could not be read at all."""
    return (
        f"AWS is not readable ({exc}); this plan shows the GitHub side only: roles, trust "
        "policies, SSM values and secret rotation are unchecked, values read from AWS show "
        "as (known after AWS is readable), and apply refuses until AWS is readable"
    )
