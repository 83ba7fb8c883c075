"""Environment settings: reviewers, self-review, wait timer, admins' bypass, branch policy type."""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff

from reconciler.diff.collector import Collector
from reconciler.diff.patterns import Admitted, wider
from reconciler.diff.weakenings import admitted
from reconciler.model.desired import DesiredEnvironment
from reconciler.model.findings import Code
from reconciler.model.observed import BranchPolicyType, ObservedEnvironment
from reconciler.model.payloads import EnvironmentSettings
from reconciler.model.plan import Change, Resource, Severity

# Display order of the fields in before/after.
FIELDS = (
    "reviewers",
    "prevent_self_review",
    "wait_timer",
    "admins_bypass",
    "deployment_branch_policy",
)
_BYPASS = "admins_bypass"


def desired_fields(env: DesiredEnvironment) -> dict[str, Any]:
    """Without `admins_bypass` where the config leaves GitHub's value alone."""
    fields = _fields(
        [str(r) for r in env.reviewers], env.prevent_self_review, env.wait_timer, env.branch_policy
    )
    if env.admins_bypass is not None:
        fields[_BYPASS] = env.admins_bypass
    return _ordered(fields)


def observed_fields(env: ObservedEnvironment) -> dict[str, Any]:
    """`admins_bypass` is None where GitHub did not say."""
    fields = _fields(
        [str(r) for r in env.reviewers], env.prevent_self_review, env.wait_timer, env.branch_policy
    )
    fields[_BYPASS] = env.can_admins_bypass
    return _ordered(fields)


def observed_settings(env: ObservedEnvironment) -> EnvironmentSettings:
    return settings(observed_fields(env))


def settings(fields: dict[str, Any]) -> EnvironmentSettings:
    """The typed payload of some of an environment's fields."""
    return EnvironmentSettings.from_json(fields, "environment settings")


def _ordered(fields: dict[str, Any]) -> dict[str, Any]:
    return {f: fields[f] for f in FIELDS if f in fields}


def _fields(
    reviewers: list[str], prevent_self_review: bool, wait_timer: int, policy: BranchPolicyType
) -> dict[str, Any]:
    return {
        "reviewers": sorted(reviewers, key=str.lower),
        # prevent_self_review belongs to the required-reviewers rule; without
        # reviewers GitHub has nothing to apply it to, so it is not drift.
        "prevent_self_review": prevent_self_review if reviewers else False,
        "wait_timer": wait_timer,
        "deployment_branch_policy": policy,
    }


def _comparable(fields: dict[str, Any]) -> dict[str, Any]:
    # Logins and slugs are case-insensitive; the displayed spelling is not.
    return {**fields, "reviewers": sorted({r.lower() for r in fields["reviewers"]})}


def differing_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    affected = DeepDiff(_comparable(before), _comparable(after)).affected_root_keys
    return [f for f in FIELDS if f in affected]


def _phrase(field: str, before: Any, after: Any) -> str:
    if field == "reviewers":
        return "reviewers differ"
    if isinstance(before, bool):
        return f"{field} {str(before).lower()} → {str(after).lower()}"
    return f"{field} {before} → {after}"


def environment_settings(
    out: Collector,
    repository: str,
    desired: DesiredEnvironment,
    observed: ObservedEnvironment | None,
) -> None:
    after = desired_fields(desired)
    if observed is None:
        out.add(
            Change.create(
                Resource.ENVIRONMENT,
                repository=repository,
                environment=desired.name,
                name=desired.name,
                after=settings(after),
            )
        )
        return
    before_all = observed_fields(observed)
    if _BYPASS in after and before_all[_BYPASS] is None:
        _bypass_unknown(out, repository, desired)
    # Only what the config manages and GitHub reported is compared.
    compared = {
        f: v for f, v in before_all.items() if f in after and not (f == _BYPASS and v is None)
    }
    differing = differing_fields(compared, {f: after[f] for f in compared})
    if not differing:
        return
    before = {f: before_all[f] for f in differing}
    after_part = {f: after[f] for f in differing}
    out.add(
        Change.update(
            Resource.ENVIRONMENT,
            repository=repository,
            environment=desired.name,
            name=desired.name,
            before=settings(before),
            after=settings(after_part),
            reason="; ".join(_phrase(f, before[f], after_part[f]) for f in differing),
        )
    )
    weakenings = _weakenings(before_all, after) + _protected_switch(desired, observed)
    if weakenings:
        out.finding(
            Severity.WARNING,
            Code.PROTECTION_WEAKENED,
            f"this update {', '.join(weakenings)} on environment {desired.name}",
            repository,
            desired.name,
        )


def _bypass_unknown(out: Collector, repository: str, desired: DesiredEnvironment) -> None:
    out.finding(
        Severity.WARNING,
        Code.ADMINS_BYPASS_UNKNOWN,
        f"GitHub's answer for environment {desired.name} has no can_admins_bypass, so whether "
        "administrators may bypass its protection rules is unknown (not read as false); "
        "older GitHub Enterprise Server versions lack the setting",
        repository,
        desired.name,
    )


def _weakenings(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if before.get(_BYPASS) is False and after.get(_BYPASS) is True:
        found.append("lets administrators bypass its protection rules")
    had_reviewers = bool(before["reviewers"])
    if had_reviewers and not after["reviewers"]:
        found.append("removes every required reviewer")
    elif before["prevent_self_review"] and not after["prevent_self_review"]:
        found.append("turns prevent_self_review off")
    if after["wait_timer"] < before["wait_timer"]:
        found.append(f"lowers wait_timer from {before['wait_timer']} to {after['wait_timer']}")
    was = before["deployment_branch_policy"]
    if had_reviewers and was != "all" and after["deployment_branch_policy"] == "all":
        found.append(f"lets any branch deploy (was {was} branches only)")
    return found


def _protected_switch(desired: DesiredEnvironment, observed: ObservedEnvironment) -> list[str]:
    """A switch to or from protected branches only that lets more refs deploy (judged as
    `reconcile diff` judges it, diff/patterns.py); to "all" is judged above."""
    was, now = observed.branch_policy, desired.branch_policy
    if not observed.reviewers or was == now or "protected" not in (was, now) or now == "all":
        return []
    live = Admitted(
        was,
        tuple(p.pattern for p in observed.branch_policies if p.type == "branch"),
        tuple(p.pattern for p in observed.branch_policies if p.type == "tag"),
    )
    phrase = wider(live, admitted(desired))
    return [] if phrase is None else [f"{phrase} (was {live.shown()})"]


def environment_deleted_warning(
    out: Collector, repository: str, observed: ObservedEnvironment
) -> None:
    """Deleting a protected environment is a loss of protection, not just cleanup.

    A workflow that still names the environment would make GitHub recreate it
    with no rules at all.
    """
    if observed.reviewers:
        out.finding(
            Severity.WARNING,
            Code.PROTECTION_WEAKENED,
            f"prune deletes environment {observed.name} and its required reviewers; a workflow "
            "that still names it would recreate it without protection",
            repository,
            observed.name,
        )


def unmanaged_rules(out: Collector, repository: str, observed: ObservedEnvironment) -> None:
    if observed.other_rules:
        out.finding(
            Severity.WARNING,
            Code.UNMANAGED_RULES,
            f"environment {observed.name} has protection rules reconcile does not manage "
            f"({', '.join(sorted(observed.other_rules))}); they are left as they are",
            repository,
            observed.name,
        )
