"""What the live state becomes in environments.yaml, before any YAML is written.

Pure: observed values in, plain frozen values out. The layout decisions live
here (what is inferred, what is shared, what each secret's placeholder is
called) so the YAML writer only has to spell them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from reconciler.config import name_rules
from reconciler.model.desired import parse_role_arn
from reconciler.model.observed import (
    Identities,
    ObservedEnvironment,
    ObservedRepository,
    ObservedReviewer,
    ObservedVariable,
)

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True)
class ExportedSecret:
    name: str
    env_variable: str  # the suggested `{env: NAME}` the user re-points at the real source


@dataclass(frozen=True)
class ExportedVariable:
    name: str
    value: str
    # Set when the value is the ARN of a role in the environment's account:
    # the role name the user could write as `{iam_role: NAME}` instead.
    iam_role: str | None = None


@dataclass(frozen=True)
class ExportedEnvironment:
    """One live environment's settings as the file expresses them, secrets aside.

    Secrets are kept apart because their values cannot be compared across
    repositories, so they never decide whether an environment is shared.
    """

    name: str
    required_approvals: int
    reviewers: tuple[str, ...]
    wait_timer: int
    # None: the key is not written. An empty tuple is written as `[]`.
    branches: tuple[str, ...] | None
    tags: tuple[str, ...] | None
    # The live policy is "protected branches only": `deployment_branches: protected`.
    protected_branches: bool
    variables: tuple[ExportedVariable, ...]
    other_rules: tuple[str, ...]
    # None: the key is not written (the file's default says the same, or GitHub
    # did not report the setting).
    admins_bypass: bool | None = None
    # Why the written value is not what GitHub holds, when it is not.
    admins_bypass_note: str | None = None
    # Written beside required_approvals 1 (with 2 it is implied).
    prevent_self_review: bool = False
    # What keeps a reviewed environment that prevents self-review from being
    # 4-eyes (empty: nothing, or it does not prevent self-review).
    four_eyes_gaps: tuple[str, ...] = ()

    def same_settings(self, other: ExportedEnvironment) -> bool:
        """Equal apart from the spelling of the name (GitHub folds environment case)."""
        return self.name.lower() == other.name.lower() and self == replace(other, name=self.name)


@dataclass(frozen=True)
class ExportedRepository:
    name: str
    environments: tuple[ExportedEnvironment, ...]
    # environment name (as in `environments`) -> its secrets
    environment_secrets: Mapping[str, tuple[ExportedSecret, ...]]
    variables: tuple[ExportedVariable, ...]
    secrets: tuple[ExportedSecret, ...]
    # Live environments whose names version 1 cannot declare.
    skipped_environments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """Shared environments, and per repository the environments of its own."""

    shared: tuple[ExportedEnvironment, ...]
    repositories: tuple[ExportedRepository, ...]


def repository_name(full_name: str) -> str:
    return full_name.rsplit("/", maxsplit=1)[-1]


def placeholder_name(*parts: str) -> str:
    """`RECONCILE_<PART>_..._<PART>`, upper case, every run of non-alnum as `_`."""
    cleaned = (_NOT_ALNUM.sub("_", part).strip("_").upper() for part in parts)
    return "_".join(["RECONCILE", *(p for p in cleaned if p)])


def four_eyes_gaps(env: ObservedEnvironment, identities: Identities) -> tuple[str, ...]:
    """What keeps a reviewed environment that prevents self-review from being 4-eyes
    (docs/configuration.md, "Approvals"): an administrators' bypass that is on or
    unknown, or reviewers who are fewer than two people (team members counted)."""
    if not env.reviewers or not env.prevent_self_review:
        return ()
    gaps: list[str] = []
    if env.can_admins_bypass is None:
        gaps.append("whether administrators may bypass its rules is unknown")
    elif env.can_admins_bypass:
        gaps.append("administrators may bypass its protection rules")
    people = identities.people(env.reviewers)
    if len(people) < 2:
        known = ", ".join(sorted(people)) or "nobody"
        gaps.append(f"its reviewers resolve to {len(people)} of the two people needed ({known})")
    return tuple(gaps)


def infer_approvals(env: ObservedEnvironment, gaps: tuple[str, ...]) -> int:
    """GitHub has no approval count: docs/configuration.md, "Approvals", read backwards.

    2 only where live is 4-eyes (no `gaps`); anything short of it is described as it
    is (1 with prevent_self_review), never raised to what the file would then enforce.
    """
    if not env.reviewers:
        return 0
    return 2 if env.prevent_self_review and not gaps else 1


BYPASS_UNKNOWN_NOTE = (
    "GitHub did not report can_admins_bypass for this environment (an older GitHub\n"
    "Enterprise Server); with reviewers the file's default is admins_bypass: false."
)


def _admins_bypass(env: ObservedEnvironment, approvals: int) -> tuple[bool | None, str | None]:
    """What to write for admins_bypass, and a note where that differs from GitHub."""
    live = env.can_admins_bypass
    if live is None:
        return None, BYPASS_UNKNOWN_NOTE if approvals else None
    if approvals:
        return live, None
    # Without reviewers the file leaves it alone unless declared: only a deliberate
    # false (GitHub's default is true) is worth writing down.
    return (False, None) if live is False else (None, None)


def _reviewer_key(reviewer: ObservedReviewer) -> tuple[str, str]:
    return (reviewer.kind, reviewer.name.lower())


def _variables(
    live: Mapping[str, ObservedVariable], account_id: str | None
) -> tuple[ExportedVariable, ...]:
    found: list[ExportedVariable] = []
    for name in sorted(live, key=str.lower):
        value = live[name].value
        role = parse_role_arn(value)
        suggestion = None
        # A role under a path has no `{iam_role: NAME}` spelling: its ARN is not role/NAME.
        if (
            role is not None
            and not role.path
            and account_id is not None
            and role.account_id == account_id
            and name_rules.IAM_ROLE_NAME.match(role.name)
        ):
            suggestion = role.name
        found.append(ExportedVariable(name=name, value=value, iam_role=suggestion))
    return tuple(found)


def export_environment(
    env: ObservedEnvironment, account_id: str | None, identities: Identities
) -> ExportedEnvironment:
    branches: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    if env.branch_policy == "custom":
        branch_patterns = sorted(p.pattern for p in env.branch_policies if p.type == "branch")
        tag_patterns = sorted(p.pattern for p in env.branch_policies if p.type == "tag")
        tags = tuple(tag_patterns) or None
        # Custom with no pattern at all still differs from "any branch": keep `[]`.
        branches = tuple(branch_patterns) if branch_patterns or tags is None else None
    gaps = four_eyes_gaps(env, identities)
    approvals = infer_approvals(env, gaps)
    bypass, note = _admins_bypass(env, approvals)
    return ExportedEnvironment(
        name=env.name,
        required_approvals=approvals,
        reviewers=tuple(str(r) for r in sorted(env.reviewers, key=_reviewer_key)),
        wait_timer=env.wait_timer,
        branches=branches,
        tags=tags,
        protected_branches=env.branch_policy == "protected",
        variables=_variables(env.variables, account_id),
        other_rules=tuple(sorted(set(env.other_rules))),
        admins_bypass=bypass,
        admins_bypass_note=note,
        prevent_self_review=approvals == 1 and env.prevent_self_review,
        four_eyes_gaps=gaps,
    )


class _PlaceholderNames:
    """Suggested env variable names, unique within one exported file."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def take(self, *parts: str) -> str:
        base = placeholder_name(*parts)
        name, number = base, 2
        while name in self._used:
            name, number = f"{base}_{number}", number + 1
        self._used.add(name)
        return name


def _account_for(env_name: str, accounts: Mapping[str, str]) -> str | None:
    folded = {k.lower(): v for k, v in accounts.items()}
    return folded.get(env_name.lower())


def export_repository(
    repo: ObservedRepository,
    accounts: Mapping[str, str],
    names: _PlaceholderNames,
    identities: Identities,
) -> ExportedRepository:
    name = repository_name(repo.full_name)
    environments: list[ExportedEnvironment] = []
    env_secrets: dict[str, tuple[ExportedSecret, ...]] = {}
    skipped: list[str] = []
    for live in sorted(repo.environments.values(), key=lambda e: e.name.lower()):
        if not name_rules.ENVIRONMENT_NAME.match(live.name):
            skipped.append(live.name)
            continue
        account = _account_for(live.name, accounts)
        environments.append(export_environment(live, account, identities))
        env_secrets[live.name] = tuple(
            ExportedSecret(secret, names.take(name, live.name, secret))
            for secret in sorted(live.secrets, key=str.lower)
        )
    return ExportedRepository(
        name=name,
        environments=tuple(environments),
        environment_secrets=env_secrets,
        # Repository-level variables have no environment account (docs/configuration.md, "Values").
        variables=_variables(repo.variables, None),
        secrets=tuple(
            ExportedSecret(secret, names.take(name, secret))
            for secret in sorted(repo.secrets, key=str.lower)
        ),
        skipped_environments=tuple(skipped),
    )


def layout(
    repositories: Sequence[ObservedRepository],
    accounts: Mapping[str, str] | None = None,
    identities: Identities | None = None,
) -> Layout:
    """Every repository exported, and the environments identical in all of them.

    `identities`: the reviewers GitHub knows, to count the people of an environment
    that prevents self-review (None: nobody known, so none of them is 4-eyes).
    """
    names = _PlaceholderNames()
    known = identities or Identities()
    ordered = sorted(repositories, key=lambda r: repository_name(r.full_name).lower())
    exported = tuple(export_repository(r, accounts or {}, names, known) for r in ordered)
    shared: list[ExportedEnvironment] = []
    if exported:
        first, *others = exported
        for candidate in first.environments:
            if all(_has_same(other, candidate) for other in others):
                shared.append(candidate)
    return Layout(shared=tuple(shared), repositories=exported)


def _has_same(repo: ExportedRepository, candidate: ExportedEnvironment) -> bool:
    folded = candidate.name.lower()
    env = next((e for e in repo.environments if e.name.lower() == folded), None)
    return env is not None and candidate.same_settings(env)
