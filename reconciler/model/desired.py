"""The desired state: what environments.yaml asks for, with defaults expanded.

Values that only AWS can answer (an SSM parameter's value, a secret's source)
stay typed references here; the plan stage resolves them through the AWS
adapter. Names keep the spelling of the file; comparisons elsewhere fold case
(docs/configuration.md, "Names").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from reconciler.model.observed import BranchPolicyType

# The secret sources belong to the desired state and are importable from here; they
# live in a leaf module so that the plan's payloads can hold them too.
from reconciler.model.secret_sources import AwsSecretSource as AwsSecretSource  # noqa: PLC0414
from reconciler.model.secret_sources import EnvSecretSource as EnvSecretSource  # noqa: PLC0414
from reconciler.model.secret_sources import SecretSource as SecretSource  # noqa: PLC0414
from reconciler.model.secret_sources import SsmSecretSource as SsmSecretSource  # noqa: PLC0414

# IAM's role ARN: an optional path (`/a/b/`) before the name.
_ROLE_ARN = re.compile(
    r"^arn:aws:iam::(?P<account>[0-9]{12}):role/(?P<path>(?:[\w+=,.@/-]*/)?)(?P<name>[\w+=,.@-]+)$"
)


def role_arn(account_id: str, role_name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{role_name}"


@dataclass(frozen=True)
class RoleArn:
    account_id: str
    path: str  # "" for a role at the root, else "a/b/"
    name: str


def parse_role_arn(text: str) -> RoleArn | None:
    """A literal `arn:aws:iam::<12 digits>:role/[path/]NAME`, else None."""
    match = _ROLE_ARN.match(text)
    return None if match is None else RoleArn(match["account"], match["path"], match["name"])


@dataclass(frozen=True)
class IamRoleRef:
    """`{iam_role: NAME}`: the ARN of role NAME in the environment's account."""

    role_name: str
    account_id: str
    # Job contexts beyond the environment the role is meant to trust, as
    # subject suffixes per managed repository (`also_trusted`), e.g. "pull_request".
    also_trusted: tuple[str, ...] = ()

    @property
    def arn(self) -> str:
        return role_arn(self.account_id, self.role_name)

    def describe(self) -> str:
        # `reconcile diff` shows a widened trust as a changed reference.
        extra = f" also_trusted:{','.join(self.also_trusted)}" if self.also_trusted else ""
        return f"iam_role:{self.role_name}@{self.account_id}{extra}"


@dataclass(frozen=True)
class SsmParameterRef:
    """`{ssm_parameter: PATH}` as a variable value: read from SSM in that account."""

    path: str
    account_id: str

    def describe(self) -> str:
        return f"ssm_parameter:{self.path}@{self.account_id}"


VariableValue = str | IamRoleRef | SsmParameterRef


@dataclass(frozen=True)
class DispatchCheck:
    """`check: {repository_dispatch: REPO}`: verify a token can dispatch to REPO."""

    repository: str  # "owner/name"
    # A warning when the token expires within this many days.
    expiry_warning_days: int = 14


@dataclass(frozen=True)
class DesiredSecret:
    name: str
    source: SecretSource
    check: DispatchCheck | None = None


@dataclass(frozen=True, order=True)
class Reviewer:
    """`team:<slug>` or `user:<login>`."""

    kind: Literal["team", "user"]
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def key(self) -> str:
        """Case-folded identity: GitHub logins and slugs are case-insensitive."""
        return f"{self.kind}:{self.name.lower()}"


@dataclass(frozen=True)
class BranchPattern:
    """A custom deployment branch policy: a branch or tag name pattern."""

    type: Literal["branch", "tag"]
    pattern: str

    @property
    def name(self) -> str:
        """The plan's name for this policy, unique within an environment."""
        return f"{self.type}:{self.pattern}"


@dataclass(frozen=True)
class DesiredEnvironment:
    name: str
    required_approvals: int
    reviewers: tuple[Reviewer, ...]
    prevent_self_review: bool
    wait_timer: int
    # None: no custom policy (any branch may deploy, or protected branches only).
    branch_patterns: tuple[BranchPattern, ...] | None
    variables: Mapping[str, VariableValue] = field(default_factory=dict)
    secrets: Mapping[str, DesiredSecret] = field(default_factory=dict)
    account_id: str | None = None
    # GitHub's can_admins_bypass; None: not managed (required_approvals 0 and
    # not declared), so whatever GitHub holds is left as it is.
    admins_bypass: bool | None = None
    # `deployment_branches: protected`: only branches with protection rules may
    # deploy (`branch_patterns` is then None).
    protected_branches: bool = False

    @property
    def branch_policy(self) -> BranchPolicyType:
        if self.protected_branches:
            return "protected"
        return "all" if self.branch_patterns is None else "custom"

    @property
    def enterprise_rules(self) -> str | None:
        """In words, the rules that need GitHub Enterprise on a private repository."""
        if self.required_approvals == 2:
            return "4-eyes (required reviewers)"
        if self.reviewers:
            return "required reviewers"
        if self.wait_timer > 0:
            return "a wait timer"
        return None


@dataclass(frozen=True)
class DesiredRepository:
    owner: str
    name: str
    environments: tuple[DesiredEnvironment, ...]
    variables: Mapping[str, VariableValue] = field(default_factory=dict)
    secrets: Mapping[str, DesiredSecret] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def environment(self, name: str) -> DesiredEnvironment | None:
        folded = name.lower()
        return next((e for e in self.environments if e.name.lower() == folded), None)


@dataclass(frozen=True)
class AwsAccess:
    """How reconcile reads AWS: the file's `aws:` section, expanded."""

    region: str | None
    read_role: str | None
    accounts: Mapping[str, str]  # environment name -> account id


@dataclass(frozen=True)
class DesiredState:
    owner: str
    repositories: tuple[DesiredRepository, ...]
    prune: bool = False
    aws: AwsAccess | None = None
    # The file as the user named it (`-c`), for messages that point at it;
    # not part of what is desired, so two loads of one content compare equal.
    source: str = field(default="environments.yaml", compare=False)

    def repository(self, name: str) -> DesiredRepository | None:
        """By name or by `owner/name`, case-insensitively."""
        folded = name.rsplit("/", maxsplit=1)[-1].lower()
        return next((r for r in self.repositories if r.name.lower() == folded), None)
