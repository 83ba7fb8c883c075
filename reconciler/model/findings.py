"""Finding codes the GitHub side of the plan, and the review diff, can raise.

The codes are part of the external contract (plan JSON, docs, CI greps), so
they live here as constants rather than as string literals at each use.
AWS codes belong to `reconciler.aws`; the diff copies those through untouched.
"""

from __future__ import annotations

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

GITHUB_FINDING_CODES: tuple[str, ...] = (
    REPOSITORY_MISSING,
    UNKNOWN_TEAM,
    UNKNOWN_USER,
    FOUR_EYES_TOO_FEW_PEOPLE,
    PROTECTION_WEAKENED,
    UNMANAGED_RULES,
    EXTRA_BRANCH_POLICY,
    REVIEWER_NO_ACCESS,
    REVIEWER_ACCESS_UNVERIFIED,
    OIDC_TEMPLATE_UNREADABLE,
    ADMINS_BYPASS_UNKNOWN,
    PLAN_UNSUPPORTED,
)

REVIEW_FINDING_CODES: tuple[str, ...] = (PROTECTION_WEAKENED, PRUNE_ENABLED, TRUST_WIDENED)
