"""Finding codes the AWS side of the plan can raise.

They are part of the external contract (plan JSON, docs, CI greps); the docs
are checked against `FINDING_CODES`, so every code emitted is listed there.
"""

from __future__ import annotations

# AWS cannot be read at all (no credentials, no region, endpoint unreachable):
# the plan shows the GitHub side and marks values read from AWS unknown.
UNAVAILABLE = "aws.unavailable"
ACCOUNT_MISMATCH = "aws.account_mismatch"
ACCESS_DENIED = "aws.access_denied"
THROTTLED = "aws.throttled"
REQUEST_FAILED = "aws.request_failed"
ROLE_MISSING = "aws.role_missing"
TRUST_MISMATCH = "aws.trust_mismatch"
TRUST_TOO_BROAD = "aws.trust_too_broad"
TRUST_UNREADABLE = "aws.trust_unreadable"
SUBJECT_UNPREDICTABLE = "aws.subject_unpredictable"
OIDC_PROVIDER_MISSING = "aws.oidc_provider_missing"
OIDC_AUDIENCE_MISSING = "aws.oidc_audience_missing"
PARAMETER_MISSING = "aws.parameter_missing"
PARAMETER_SECURE = "aws.parameter_secure"
SECRET_MISSING = "aws.secret_missing"
# Not AWS, but checked in the same pass over secret sources (SPEC 3.6).
SOURCE_MISSING = "secret.source_missing"
SOURCE_EMPTY = "secret.source_empty"
VALUE_TOO_LARGE = "secret.too_large"

FINDING_CODES: tuple[str, ...] = (
    UNAVAILABLE,
    ACCOUNT_MISMATCH,
    ACCESS_DENIED,
    THROTTLED,
    REQUEST_FAILED,
    ROLE_MISSING,
    TRUST_MISMATCH,
    TRUST_TOO_BROAD,
    TRUST_UNREADABLE,
    SUBJECT_UNPREDICTABLE,
    OIDC_PROVIDER_MISSING,
    OIDC_AUDIENCE_MISSING,
    PARAMETER_MISSING,
    PARAMETER_SECURE,
    SECRET_MISSING,
    SOURCE_MISSING,
    SOURCE_EMPTY,
    VALUE_TOO_LARGE,
)
