"""`reconcile approvals`, the pure part: the verdict on each deployment and the report.

No I/O: the GitHub reader (`reconciler.github.deployments`) brings the facts,
`reconciler.run.approvals` runs one audit, `reconciler.render.approvals` shows it.
"""

from reconciler.approvals.audit import audit
from reconciler.approvals.verdict import judge
from reconciler.approvals.window import DEFAULT_SINCE, parse_since

__all__ = ["DEFAULT_SINCE", "audit", "judge", "parse_since"]
