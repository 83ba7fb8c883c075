"""The delete guard (docs/troubleshooting.md, "Prune threshold"): a mass delete needs --force.

A run that would delete more than 30% of the existing managed items (when
there are at least 10) is refused, because that is more often a mistake (a
wrong --config, an emptied section, a bad merge) than intent. What a delete
removes is counted in full: deleting an environment deletes its variables,
secrets and branch policies with it.
"""

from __future__ import annotations

from reconciler.errors import ReconcileError
from reconciler.model.observed import ObservedState
from reconciler.model.plan import Action, Change, Plan, Resource
from reconciler.run.scope import EVERYTHING, Scope

PRUNE_THRESHOLD = 0.30
PRUNE_MIN_ITEMS = 10


def _removes(change: Change, observed: ObservedState) -> int:
    """Items a delete removes: an environment takes its variables, secrets and policies."""
    if change.resource is not Resource.ENVIRONMENT:
        return 1
    repo = observed.repository(change.repository)
    env = repo.environment(change.name) if repo else None
    if env is None:
        return 1
    return 1 + len(env.variables) + len(env.secrets) + len(env.branch_policies)


def _existing(observed: ObservedState, scope: Scope) -> int:
    """The managed items on GitHub inside the run's scope (--repo, --env)."""
    total = 0
    for repo in observed.repositories.values():
        if scope.covers(repo.full_name, None):
            total += len(repo.variables) + len(repo.secrets)
        for env in repo.environments.values():
            if scope.covers(repo.full_name, env.name):
                total += 1 + len(env.variables) + len(env.secrets) + len(env.branch_policies)
    return total


def check_prune_threshold(
    plan: Plan, observed: ObservedState, *, force: bool, scope: Scope = EVERYTHING
) -> None:
    """Refuse to delete more than 30% of the managed items without --force.

    A deleted environment counts with everything in it, and the share is of the
    items inside the run's scope, so neither a fat environment nor `--repo`
    dilutes a mass delete below the threshold.
    """
    deletes = sum(_removes(c, observed) for c in plan.changes if c.action is Action.DELETE)
    if not deletes or force:
        return
    existing = _existing(observed, scope)
    if existing >= PRUNE_MIN_ITEMS and deletes > PRUNE_THRESHOLD * existing:
        raise ReconcileError(
            f"refusing to delete {deletes} of {existing} existing items "
            f"(more than {PRUNE_THRESHOLD:.0%}; an environment counts with everything in it); "
            "check `prune` and the plan, then re-run with --force if this is intended"
        )
