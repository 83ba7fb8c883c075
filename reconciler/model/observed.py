"""The observed state: what GitHub and AWS hold now, read-only.

Produced by the GitHub adapter (`reconciler.github`) and the AWS adapter
(`reconciler.aws`); consumed by the pure diff (`reconciler.diff`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from reconciler.model.plan import Finding
from reconciler.model.subjects import SubjectTemplate

BranchPolicyType = Literal["all", "protected", "custom"]


@dataclass(frozen=True, order=True)
class ObservedReviewer:
    kind: Literal["team", "user"]
    id: int
    name: str  # team slug or user login, as GitHub spells it

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name.lower()}"

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class ObservedBranchPolicy:
    id: int
    type: Literal["branch", "tag"]
    pattern: str

    @property
    def name(self) -> str:
        return f"{self.type}:{self.pattern}"


@dataclass(frozen=True)
class ObservedVariable:
    name: str
    value: str
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ObservedSecret:
    name: str
    updated_at: datetime | None


@dataclass(frozen=True)
class ObservedEnvironment:
    name: str
    reviewers: tuple[ObservedReviewer, ...] = ()
    prevent_self_review: bool = False
    wait_timer: int = 0
    # "all": no deployment_branch_policy; "protected": protected branches only;
    # "custom": the patterns in branch_policies.
    branch_policy: BranchPolicyType = "all"
    branch_policies: tuple[ObservedBranchPolicy, ...] = ()
    variables: Mapping[str, ObservedVariable] = field(default_factory=dict)
    secrets: Mapping[str, ObservedSecret] = field(default_factory=dict)
    # Custom (app) deployment protection rules and other rules we do not manage;
    # kept so the plan can warn before a write would affect them.
    other_rules: tuple[str, ...] = ()
    # GitHub's can_admins_bypass. None: GitHub's answer did not say (older
    # GitHub Enterprise Server); never read as false.
    can_admins_bypass: bool | None = None


@dataclass(frozen=True)
class ObservedRepository:
    full_name: str
    environments: Mapping[str, ObservedEnvironment] = field(default_factory=dict)
    variables: Mapping[str, ObservedVariable] = field(default_factory=dict)
    secrets: Mapping[str, ObservedSecret] = field(default_factory=dict)

    def environment(self, name: str) -> ObservedEnvironment | None:
        folded = name.lower()
        return next((e for k, e in self.environments.items() if k.lower() == folded), None)


@dataclass(frozen=True)
class TeamInfo:
    slug: str
    id: int
    members: tuple[str, ...]  # logins


@dataclass(frozen=True)
class UserInfo:
    login: str
    id: int


@dataclass(frozen=True)
class Unverified:
    """A reviewer's access these credentials may not check (GitHub's reason)."""

    reason: str


# A reviewer's access to a repository: yes, no, or cannot tell with these credentials.
Access = bool | Unverified


class NamedReviewer(Protocol):
    """A reviewer as the file or GitHub names it (`Reviewer`, `ObservedReviewer`)."""

    @property
    def kind(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Identities:
    """Reviewer lookups, once per run. A key missing from both maps is unknown."""

    teams: Mapping[str, TeamInfo] = field(default_factory=dict)  # folded slug -> team
    users: Mapping[str, UserInfo] = field(default_factory=dict)  # folded login -> user

    def people(self, reviewers: Iterable[NamedReviewer]) -> frozenset[str]:
        """The distinct people (folded logins) behind `reviewers`, team members
        counted; a reviewer that is not known adds nobody."""
        found: set[str] = set()
        for reviewer in reviewers:
            folded = reviewer.name.lower()
            team = self.teams.get(folded) if reviewer.kind == "team" else None
            if team is not None:
                found.update(m.lower() for m in team.members)
            elif reviewer.kind == "user" and folded in self.users:
                found.add(folded)
        return frozenset(found)


# GitHub plans (by word in their name) that allow every environment rule everywhere.
ENTERPRISE_GITHUB_PLANS = ("enterprise", "business_plus")


def is_enterprise_github_plan(github_plan: str | None) -> bool:
    return github_plan is not None and any(
        word in github_plan.lower() for word in ENTERPRISE_GITHUB_PLANS
    )


@dataclass(frozen=True)
class RepositoryBilling:
    """What decides which environment rules GitHub lets a repository have.

    Read only for repositories the plan would write an environment to.
    """

    full_name: str
    # "public" | "private" | "internal"; "unread" on an Enterprise plan, where
    # no visibility limits a rule, so it is not asked.
    visibility: str
    owner_type: str  # "Organization" | "User"
    # The owner's GitHub plan ("free", "team", "enterprise", ...) where the
    # credentials may see it (an organization shows it to its owners only).
    github_plan: str | None = None


@dataclass(frozen=True)
class AwsFacts:
    """The AWS answers the diff needs, keyed by the references' describe()."""

    # ssm variable reference describe() -> value (absent: could not be read)
    parameter_values: Mapping[str, str] = field(default_factory=dict)
    # secret source describe() -> last change time (None: unknown/not checkable)
    source_changed_at: Mapping[str, datetime | None] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    # Why AWS could not be read at all (None: it could); then nothing above is known.
    unavailable: str | None = None
    # Accounts whose credentials could not be had (a finding says why).
    unreadable_accounts: frozenset[str] = frozenset()

    def readable(self, account_id: str | None) -> bool:
        """Whether values in this account (None: the caller's own) could be read."""
        if self.unavailable is not None:
            return False
        return account_id is None or account_id not in self.unreadable_accounts


@dataclass(frozen=True)
class ObservedState:
    repositories: Mapping[str, ObservedRepository]  # folded full name -> repository
    identities: Identities = field(default_factory=Identities)
    aws: AwsFacts = field(default_factory=AwsFacts)
    # folded "owner/repo" -> its OIDC subject template, for repositories using IAM roles
    subjects: Mapping[str, SubjectTemplate] = field(default_factory=dict)

    def repository(self, full_name: str) -> ObservedRepository | None:
        return self.repositories.get(full_name.lower())
