"""The pure diff: desired state and observed state in, plan out.

`diff` compares; `reviewers_to_check` and `access_findings` bracket the one
check that needs I/O in between (reviewer access to a repository), which the
caller performs.
"""

from reconciler.diff.billing import billing_findings, billing_to_check
from reconciler.diff.engine import diff
from reconciler.diff.reviewers import access_findings, reviewers_to_check
from reconciler.diff.values import resolve_variable

__all__ = [
    "access_findings",
    "billing_findings",
    "billing_to_check",
    "diff",
    "resolve_variable",
    "reviewers_to_check",
]
