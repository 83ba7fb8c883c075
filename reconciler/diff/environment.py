"""Environment settings: reviewers, self-review, wait timer, admins' bypass, branch policy type."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any, Literal

from reconciler.diff.collector import Collector
from reconciler.diff.patterns import Admitted, wider
from reconciler.diff.weakenings import admitted
from reconciler.model.desired import DesiredEnvironment
from reconciler.model.findings import Code
from reconciler.model.observed import BranchPolicyType, ObservedEnvironment
from reconciler.model.payloads import BYPASS_UNKNOWN, EnvironmentSettings
from reconciler.model.plan import Change, Resource, Severity

# Display order of the fields in before/after: the payload's own.
FIELDS = tuple(f.name for f in fields(EnvironmentSettings))


def desired_settings(env: DesiredEnvironment) -> EnvironmentSettings:
    """`admins_bypass` None where the config leaves GitHub's value alone."""
    return _settings(
        env.reviewers, env.prevent_self_review, env.wait_timer, env.branch_policy, env.admins_bypass
    )


def observed_settings(env: ObservedEnvironment) -> EnvironmentSettings:
    """`admins_bypass` BYPASS_UNKNOWN where GitHub did not say."""
    bypass = BYPASS_UNKNOWN if env.can_admins_bypass is None else env.can_admins_bypass
    return _settings(
        env.reviewers, env.prevent_self_review, env.wait_timer, env.branch_policy, bypass
    )


def _settings(
    reviewers: Iterable[object],
    prevent_self_review: bool,
    wait_timer: int,
    policy: BranchPolicyType,
    bypass: bool | Literal["unknown"] | None,
) -> EnvironmentSettings:
    shown = sorted((str(r) for r in reviewers), key=str.lower)
    return EnvironmentSettings(
        reviewers=tuple(shown),
        # prevent_self_review belongs to the required-reviewers rule; without
        # reviewers GitHub has nothing to apply it to, so it is not drift.
        prevent_self_review=prevent_self_review if shown else False,
        wait_timer=wait_timer,
        admins_bypass=bypass,
        deployment_branch_policy=policy,
    )


def _only(settings: EnvironmentSettings, names: Iterable[str]) -> EnvironmentSettings:
    return EnvironmentSettings(**{name: getattr(settings, name) for name in names})


def differing_fields(before: EnvironmentSettings, after: EnvironmentSettings) -> list[str]:
    """The fields both sides hold (a bypass GitHub did not report is not held) that differ.

    Plain equality: every field is a scalar but `reviewers`, a flat list whose
    logins and slugs are case-insensitive (the displayed spelling is not).
    """
    found = []
    for name in FIELDS:
        was, now = getattr(before, name), getattr(after, name)
        if was is None or now is None or was == BYPASS_UNKNOWN:
            continue
        if name == "reviewers":
            was, now = {r.lower() for r in was}, {r.lower() for r in now}
        if was != now:
            found.append(name)
    return found


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
    after = desired_settings(desired)
    if observed is None:
        out.add(
            Change.create(
                Resource.ENVIRONMENT,
                repository=repository,
                environment=desired.name,
                name=desired.name,
                after=after,
            )
        )
        return
    before = observed_settings(observed)
    if after.admins_bypass is not None and before.admins_bypass == BYPASS_UNKNOWN:
        _bypass_unknown(out, repository, desired)
    # Only what the config manages and GitHub reported is compared.
    differing = differing_fields(before, after)
    if not differing:
        return
    out.add(
        Change.update(
            Resource.ENVIRONMENT,
            repository=repository,
            environment=desired.name,
            name=desired.name,
            before=_only(before, differing),
            after=_only(after, differing),
            reason="; ".join(_phrase(f, getattr(before, f), getattr(after, f)) for f in differing),
        )
    )
    weakenings = _weakenings(before, after) + _protected_switch(desired, observed)
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


def _weakenings(before: EnvironmentSettings, after: EnvironmentSettings) -> list[str]:
    """Both sides as `desired_settings`/`observed_settings` make them: every field set."""
    found: list[str] = []
    if before.admins_bypass is False and after.admins_bypass is True:
        found.append("lets administrators bypass its protection rules")
    had_reviewers = bool(before.reviewers)
    if had_reviewers and not after.reviewers:
        found.append("removes every required reviewer")
    elif before.prevent_self_review and not after.prevent_self_review:
        found.append("turns prevent_self_review off")
    was_timer, timer = before.wait_timer or 0, after.wait_timer or 0
    if timer < was_timer:
        found.append(f"lowers wait_timer from {was_timer} to {timer}")
    was = before.deployment_branch_policy
    if had_reviewers and was != "all" and after.deployment_branch_policy == "all":
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
