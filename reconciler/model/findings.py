"""Every finding code a plan can carry: the one enumeration.

The codes are part of the external contract (plan JSON, docs, CI greps), so
they live here rather than as string literals at each use; each has a section
in docs/troubleshooting.md (a test checks both ways).
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class Code(StrEnum):
    # GitHub side of the plan.
    REPOSITORY_MISSING = "github.repository_missing"
    UNKNOWN_TEAM = "github.unknown_team"
    UNKNOWN_USER = "github.unknown_user"
    FOUR_EYES_TOO_FEW_PEOPLE = "github.four_eyes_too_few_people"
    PROTECTION_WEAKENED = "github.protection_weakened"
    UNMANAGED_RULES = "github.unmanaged_rules"
    EXTRA_BRANCH_POLICY = "github.extra_branch_policy"
    REVIEWER_NO_ACCESS = "github.reviewer_no_access"
    REVIEWER_ACCESS_UNVERIFIED = "github.reviewer_access_unverified"
    OIDC_TEMPLATE_UNREADABLE = "github.oidc_template_unreadable"
    ADMINS_BYPASS_UNKNOWN = "github.admins_bypass_unknown"
    PLAN_UNSUPPORTED = "github.plan_unsupported"
    # Raised by `reconcile diff` only: properties of the edit, not of live state.
    PRUNE_ENABLED = "review.prune_enabled"
    TRUST_WIDENED = "review.trust_widened"
    # AWS side (reconciler.aws). AWS cannot be read at all (no credentials, no
    # region, endpoint unreachable): the plan shows the GitHub side, AWS values unknown.
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
    # Secret sources, checked in the same pass as AWS (docs/configuration.md, "Secrets").
    SOURCE_MISSING = "secret.source_missing"
    SOURCE_EMPTY = "secret.source_empty"
    VALUE_TOO_LARGE = "secret.too_large"
    # The stored dispatch token (reconciler.github.dispatch_check).
    TOKEN_INVALID = "dispatch.token_invalid"
    NO_ACCESS = "dispatch.no_access"
    TOKEN_EXPIRING = "dispatch.token_expiring"
    TOKEN_EXPIRED = "dispatch.token_expired"
    SOURCE_UNREADABLE = "dispatch.source_unreadable"
    # `reconcile approvals` (reconciler.github.deployments).
    RUN_SEARCH_CAPPED = "github.run_search_capped"
