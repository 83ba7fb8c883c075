"""What an edit of the file weakens: the findings of `reconcile diff OLD NEW` (pure).

The live plan warns `github.protection_weakened` when apply would lower an
environment's protection; the review diff, which reads no live state, raises
the same kind of finding from the two files alone, so the pull-request
comment leads with what the edit gives up. Each way of weakening one
environment is a row of `ENVIRONMENT_RULES`: a function of the old and new
environment that returns a phrase, or None. Dropped environments and
repositories, and `prune` switched on, need the whole file and follow the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from reconciler.diff.patterns import Admitted, wider
from reconciler.model.desired import (
    DesiredEnvironment,
    DesiredRepository,
    DesiredState,
    IamRoleRef,
)
from reconciler.model.findings import Code
from reconciler.model.plan import Finding, Severity

# Repositories named in a finding shared by several, before "and N more".
_SHOWN_REPOSITORIES = 5


@dataclass(frozen=True)
class EnvironmentRule:
    code: Code
    check: Callable[[DesiredEnvironment, DesiredEnvironment], str | None]


def _approvals_lowered(old: DesiredEnvironment, new: DesiredEnvironment) -> str | None:
    if new.required_approvals >= old.required_approvals:
        return None
    phrase = f"required_approvals lowered from {old.required_approvals} to {new.required_approvals}"
    if new.required_approvals == 0:
        return f"{phrase}: deploys no longer wait for anyone's approval"
    return f"{phrase}: 4-eyes is no longer required"


def _reviewers_removed(old: DesiredEnvironment, new: DesiredEnvironment) -> str | None:
    kept = {r.key for r in new.reviewers}
    removed = sorted((str(r) for r in old.reviewers if r.key not in kept), key=str.lower)
    if not removed:
        return None
    if not new.reviewers:
        return f"every required reviewer removed ({', '.join(removed)})"
    return f"reviewers removed: {', '.join(removed)}"


def _self_review_allowed(old: DesiredEnvironment, new: DesiredEnvironment) -> str | None:
    # Without reviewers there is nothing to approve, so nothing to self-approve.
    if old.prevent_self_review and not new.prevent_self_review and new.reviewers:
        return "prevent_self_review turned off: whoever starts a deploy may approve it"
    return None


def _admins_bypass_allowed(old: DesiredEnvironment, new: DesiredEnvironment) -> str | None:
    # None is "left as GitHub has it": only an explicit true gives something up.
    if new.admins_bypass is True and old.admins_bypass is not True:
        return (
            "admins_bypass turned on: repository administrators may deploy without "
            "the required reviewers"
        )
    return None


def _trust_widened(old: DesiredEnvironment, new: DesiredEnvironment) -> str | None:
    """Subjects an `iam_role` value now declares trusted beyond this environment.

    Judged where there are reviewers to get around, as the live trust check is.
    """
    if new.required_approvals == 0:
        return None
    before = {name.lower(): value for name, value in old.variables.items()}
    widened = []
    for name, value in sorted(new.variables.items()):
        if not isinstance(value, IamRoleRef):
            continue
        was = before.get(name.lower())
        known = set(was.also_trusted) if isinstance(was, IamRoleRef) else set()
        added = [s for s in value.also_trusted if s not in known]
        if added:
            widened.append(f"{name} ({value.role_name}) also trusts {', '.join(added)}")
    if not widened:
        return None
    return (
        f"declared role trust widened: {'; '.join(widened)}; such jobs skip this "
        "environment's reviewers"
    )


def _wait_timer_shortened(old: DesiredEnvironment, new: DesiredEnvironment) -> str | None:
    if new.wait_timer < old.wait_timer:
        return f"wait_timer shortened from {old.wait_timer} to {new.wait_timer} minutes"
    return None


def admitted(env: DesiredEnvironment) -> Admitted:
    patterns = env.branch_patterns or ()
    return Admitted(
        env.branch_policy,
        tuple(p.pattern for p in patterns if p.type == "branch"),
        tuple(p.pattern for p in patterns if p.type == "tag"),
    )


def _refs_widened(old: DesiredEnvironment, new: DesiredEnvironment) -> str | None:
    before = admitted(old)
    phrase = wider(before, admitted(new))
    return None if phrase is None else f"{phrase} (was {before.shown()})"


# One row per way an edit can weaken an environment.
ENVIRONMENT_RULES: tuple[EnvironmentRule, ...] = (
    EnvironmentRule(Code.PROTECTION_WEAKENED, _approvals_lowered),
    EnvironmentRule(Code.PROTECTION_WEAKENED, _reviewers_removed),
    EnvironmentRule(Code.PROTECTION_WEAKENED, _self_review_allowed),
    EnvironmentRule(Code.PROTECTION_WEAKENED, _admins_bypass_allowed),
    EnvironmentRule(Code.PROTECTION_WEAKENED, _refs_widened),
    EnvironmentRule(Code.PROTECTION_WEAKENED, _wait_timer_shortened),
    EnvironmentRule(Code.TRUST_WIDENED, _trust_widened),
)


def weakenings(old: DesiredState, new: DesiredState, *, new_name: str) -> list[Finding]:
    """Warnings for what `new` (the file called `new_name`) gives up against `old`."""
    found: list[Finding] = []
    if new.prune and not old.prune:
        found.append(
            Finding(
                Severity.WARNING,
                Code.PRUNE_ENABLED,
                "prune switched on: apply will delete every environment, variable, secret "
                f"and branch policy of the managed repositories that {new_name} does not "
                "declare; check the unmanaged items of a live plan first",
            )
        )
    for old_repo in old.repositories:
        new_repo = new.repository(old_repo.name)
        if new_repo is None:
            found.append(_repository_dropped(old_repo, new_name))
            continue
        for old_env in old_repo.environments:
            new_env = new_repo.environment(old_env.name)
            if new_env is None:
                found.append(_environment_dropped(new_repo, old_env, new.prune, new_name))
                continue
            found += [
                Finding(Severity.WARNING, rule.code, phrase, new_repo.full_name, new_env.name)
                for rule in ENVIRONMENT_RULES
                if (phrase := rule.check(old_env, new_env)) is not None
            ]
    return _shared(found)


def _repository_dropped(repo: DesiredRepository, new_name: str) -> Finding:
    names = ", ".join(e.name for e in repo.environments) or "none"
    return Finding(
        Severity.WARNING,
        Code.PROTECTION_WEAKENED,
        f"repository no longer in {new_name}: reconcile stops managing its environments "
        f"({names}); GitHub keeps them as they are, but drift there is no longer reported",
        repo.full_name,
    )


def _environment_dropped(
    repo: DesiredRepository, env: DesiredEnvironment, prune: bool, new_name: str
) -> Finding:
    guarded = " and its required reviewers" if env.reviewers else ""
    if prune:
        message = (
            f"environment no longer in {new_name}, and prune: true deletes it{guarded} from GitHub"
        )
        if env.reviewers:
            message += "; a workflow that still names it would recreate it without protection"
    else:
        message = (
            f"environment no longer in {new_name}: reconcile stops managing it; GitHub keeps "
            f"it{guarded} as it is, but drift there is no longer reported"
        )
    return Finding(Severity.WARNING, Code.PROTECTION_WEAKENED, message, repo.full_name, env.name)


def _shared(found: list[Finding]) -> list[Finding]:
    """One finding for an edit of the shared `environments:` that hits several repositories."""

    def key(f: Finding) -> tuple[str, str, str, str]:
        return (f.severity.value, f.code, (f.environment or "").lower(), f.message)

    merged: list[Finding] = []
    for _, group in groupby(sorted(found, key=key), key=key):
        same = list(group)
        repositories = sorted({f.repository for f in same if f.repository}, key=str.lower)
        if len(repositories) < 2:
            merged += same
            continue
        names = [r.rsplit("/", 1)[-1] for r in repositories]
        shown = ", ".join(names[:_SHOWN_REPOSITORIES])
        if len(names) > _SHOWN_REPOSITORIES:
            shown += f" and {len(names) - _SHOWN_REPOSITORIES} more"
        first = same[0]
        merged.append(
            Finding(
                first.severity,
                first.code,
                f"{first.message} (in {len(names)} repositories: {shown})",
                None,
                first.environment,
            )
        )
    return merged
