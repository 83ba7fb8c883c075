"""Custom deployment branch and tag policies of one environment."""

from __future__ import annotations

from reconciler.diff.collector import Collector
from reconciler.model.desired import DesiredEnvironment
from reconciler.model.findings import Code
from reconciler.model.observed import ObservedEnvironment
from reconciler.model.payloads import BranchPolicyPayload
from reconciler.model.plan import Change, Resource, Severity


def branch_policies(
    out: Collector,
    repository: str,
    desired: DesiredEnvironment,
    observed: ObservedEnvironment | None,
) -> None:
    if desired.branch_patterns is None:
        # Live custom policies vanish with the switch to "all" or "protected"
        # in the environment update; listing them again would double-count.
        return
    # Patterns match git refs, which are case-sensitive: compare exactly.
    live = (
        {p.name: p for p in observed.branch_policies}
        if observed is not None and observed.branch_policy == "custom"
        else {}
    )
    for pattern in desired.branch_patterns:
        if pattern.name not in live:
            out.add(
                Change.create(
                    Resource.BRANCH_POLICY,
                    repository=repository,
                    environment=desired.name,
                    name=pattern.name,
                    after=BranchPolicyPayload(pattern.type, pattern.pattern),
                )
            )
    declared = {p.name for p in desired.branch_patterns}
    extra = sorted(name for name in live if name not in declared)
    for name in extra:
        policy = live[name]
        out.undeclared(
            Resource.BRANCH_POLICY,
            repository,
            desired.name,
            name,
            BranchPolicyPayload(policy.type, policy.pattern),
        )
    if extra and desired.reviewers and not out.prune:
        out.finding(
            Severity.WARNING,
            Code.EXTRA_BRANCH_POLICY,
            f"environment {desired.name} also lets {', '.join(extra)} deploy, which "
            f"{out.source} does not declare; an extra pattern widens what can reach "
            "this protected environment (set prune: true to delete it)",
            repository,
            desired.name,
        )
