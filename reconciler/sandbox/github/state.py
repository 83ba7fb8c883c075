"""The emulated GitHub world: accounts, repositories, environments and their contents.

Everything is mutated under `World.lock`; HTTP handlers and direct test access
both go through it, so the emulator is safe to hit from many threads.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from reconciler.sandbox.github.actions_state import Deployment, WorkflowRun
from reconciler.sandbox.github.crypto import KeyPair
from reconciler.sandbox.github.records import Dispatch

if TYPE_CHECKING:
    from reconciler.sandbox.github.issue_state import IssueBook

PERMISSION_ORDER = ("pull", "triage", "push", "maintain", "admin")
_PERMISSION_ALIASES = {"read": "pull", "write": "push"}


def normalize_permission(permission: str) -> str:
    value = _PERMISSION_ALIASES.get(permission.lower(), permission.lower())
    if value not in PERMISSION_ORDER:
        raise ValueError(f"unknown permission {permission!r}")
    return value


def higher(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if PERMISSION_ORDER.index(a) >= PERMISSION_ORDER.index(b) else b


def at_least(have: str | None, need: str) -> bool:
    return have is not None and PERMISSION_ORDER.index(have) >= PERMISSION_ORDER.index(need)


@dataclass
class Account:
    id: int
    login: str
    type: str  # "User" | "Organization" | "Bot"
    created_at: datetime
    owners: set[str] = field(default_factory=set)  # org owners, lower-case logins
    # The organization's OIDC subject template (include_claim_keys); None: never set.
    oidc_claim_keys: list[str] | None = None
    # GitHub plan: "free", "pro", "team" or "enterprise". Below enterprise, private
    # and internal repositories lack required reviewers and wait timers; on free
    # they have no environments at all.
    plan: str = "enterprise"


@dataclass
class Team:
    id: int
    org: str  # org login as spelled
    slug: str
    name: str
    created_at: datetime
    members: list[str] = field(default_factory=list)  # logins as spelled
    repos: dict[str, str] = field(default_factory=dict)  # "owner/repo" lower -> permission
    parent: str | None = None  # lower-case slug of the parent team in the same org


@dataclass
class Variable:
    name: str
    value: str
    created_at: datetime
    updated_at: datetime
    # Reads of its scope that still miss it after its creation (World.variable_read_lag).
    unseen_reads: int = 0


@dataclass
class Secret:
    name: str
    plaintext: str
    created_at: datetime
    updated_at: datetime


@dataclass
class BranchPolicy:
    id: int
    name: str
    type: str  # "branch" | "tag"


@dataclass
class CustomRule:
    id: int
    integration_id: int
    slug: str


@dataclass
class Reviewer:
    type: str  # "User" | "Team"
    id: int


@dataclass
class Environment:
    id: int
    name: str
    created_at: datetime
    updated_at: datetime
    keys: KeyPair
    wait_timer: int = 0
    prevent_self_review: bool = False
    reviewers: list[Reviewer] = field(default_factory=list)
    branch_policy: tuple[bool, bool] | None = None  # (protected_branches, custom_branch_policies)
    policies: dict[int, BranchPolicy] = field(default_factory=dict)
    custom_rules: dict[int, CustomRule] = field(default_factory=dict)
    variables: dict[str, Variable] = field(default_factory=dict)  # upper-case name -> value
    secrets: dict[str, Secret] = field(default_factory=dict)
    rule_ids: dict[str, int] = field(default_factory=dict)  # protection rule type -> stable id
    can_admins_bypass: bool = True  # GitHub's default, and what a PUT without it sets


@dataclass
class OidcSubject:
    """A repository's OIDC subject claim setting (GET .../actions/oidc/customization/sub)."""

    use_default: bool = True
    claim_keys: list[str] | None = None  # its own include_claim_keys; None: not set
    immutable: bool = False  # owner and repository ids in the `repo` part of the subject


@dataclass
class Repo:
    id: int
    owner: str  # as spelled
    name: str
    created_at: datetime
    keys: KeyPair
    collaborators: dict[str, str] = field(default_factory=dict)  # login lower -> permission
    visibility: str = "private"  # "public" | "private" | "internal"
    environments: dict[str, Environment] = field(default_factory=dict)  # name lower -> env
    variables: dict[str, Variable] = field(default_factory=dict)
    secrets: dict[str, Secret] = field(default_factory=dict)
    oidc: OidcSubject = field(default_factory=OidcSubject)
    deployments: dict[int, Deployment] = field(default_factory=dict)
    runs: dict[int, WorkflowRun] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class Token:
    login: str
    write: bool
    repos: frozenset[str] | None  # lower "owner/repo" or bare repo names; None: all
    expires_at: datetime | None
    scopes: str | None
    installation_owner: str | None = None  # set for GitHub App installation tokens


@dataclass
class App:
    app_id: int
    slug: str
    public_key_pem: str
    installations: dict[str, int]  # owner lower -> installation id
    created_at: datetime


@dataclass
class World:
    lock: threading.RLock = field(default_factory=threading.RLock)
    clock_offset: timedelta = timedelta(0)
    next_id: int = 1000
    accounts: dict[str, Account] = field(default_factory=dict)  # login lower
    teams: dict[tuple[str, str], Team] = field(default_factory=dict)  # (org lower, slug lower)
    repos: dict[str, Repo] = field(default_factory=dict)  # "owner/repo" lower
    tokens: dict[str, Token] = field(default_factory=dict)
    apps: dict[int, App] = field(default_factory=dict)
    dispatches: list[Dispatch] = field(default_factory=list)
    # Environment keys this server predates, as an older GitHub Enterprise Server:
    # a PUT naming one is refused, and answers leave can_admins_bypass out.
    legacy_environment_keys: set[str] = field(default_factory=set)
    # GitHub's reads can lag its writes: a variable created through the API is
    # missing from this many reads of its scope (list or get) that follow.
    variable_read_lag: int = 0
    # Issues, pull requests, comments and labels, by lower-case "owner/repo"
    # (sandbox/github/issue_state.py).
    issue_books: dict[str, IssueBook] = field(default_factory=dict)

    def now(self) -> datetime:
        return (datetime.now(UTC) + self.clock_offset).replace(microsecond=0)

    def copy(self) -> World:
        """Everything this world holds, copied (with a lock of its own)."""
        with self.lock:
            held = {f.name: copy.deepcopy(getattr(self, f.name)) for f in _STATE_FIELDS}
        return World(**held)

    def restamp_secrets(self) -> None:
        """Every secret, of repositories and environments, updated now."""
        with self.lock:
            now = self.now()
            for repo in self.repos.values():
                holders = [repo.secrets, *(env.secrets for env in repo.environments.values())]
                for secret in (s for held in holders for s in held.values()):
                    secret.updated_at = now

    def become(self, other: World) -> None:
        """Hold a copy of what `other` holds; the HTTP app keeps this same object."""
        held = other.copy()
        with self.lock:
            for f in _STATE_FIELDS:
                setattr(self, f.name, getattr(held, f.name))

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id

    # lookups -----------------------------------------------------------------

    def account(self, login: str) -> Account | None:
        return self.accounts.get(login.lower())

    def account_by_id(self, account_id: int) -> Account | None:
        return next((a for a in self.accounts.values() if a.id == account_id), None)

    def repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def repo_by_id(self, repo_id: int) -> Repo | None:
        return next((r for r in self.repos.values() if r.id == repo_id), None)

    def team(self, org: str, slug: str) -> Team | None:
        return self.teams.get((org.lower(), slug.lower()))

    def team_by_id(self, team_id: int) -> Team | None:
        return next((t for t in self.teams.values() if t.id == team_id), None)

    def installation(self, installation_id: int) -> tuple[App, str] | None:
        for app in self.apps.values():
            for owner, inst in app.installations.items():
                if inst == installation_id:
                    return app, owner
        return None

    # lookups that must succeed (direct test access; a KeyError names what is missing)

    def require_account(self, login: str) -> Account:
        account = self.account(login)
        if account is None:
            raise KeyError(f"no account {login!r}")
        return account

    def require_team(self, org: str, slug: str) -> Team:
        team = self.team(org, slug)
        if team is None:
            raise KeyError(f"no team {org}/{slug}")
        return team

    def require_repo(self, owner: str, name: str) -> Repo:
        repo = self.repo(owner, name)
        if repo is None:
            raise KeyError(f"no repository {owner}/{name}")
        return repo

    def require_env(self, owner: str, name: str, env: str) -> Environment:
        found = self.require_repo(owner, name).environments.get(env.lower())
        if found is None:
            raise KeyError(f"no environment {env!r} in {owner}/{name}")
        return found

    def variables_of(self, owner: str, name: str, env: str | None) -> dict[str, Variable]:
        if env is None:
            return self.require_repo(owner, name).variables
        return self.require_env(owner, name, env).variables

    def secrets_of(self, owner: str, name: str, env: str | None) -> dict[str, Secret]:
        if env is None:
            return self.require_repo(owner, name).secrets
        return self.require_env(owner, name, env).secrets

    def plan_of(self, repo: Repo) -> str:
        """The plan that governs a repository's environments; public ones get everything."""
        if repo.visibility == "public":
            return "enterprise"
        owner = self.account(repo.owner)
        return owner.plan if owner is not None else "free"

    # access ------------------------------------------------------------------

    def lineage(self, team: Team) -> list[Team]:
        """The team, its parent, the parent's parent...: a child inherits their access."""
        chain = [team]
        while chain[-1].parent is not None and len(chain) <= len(self.teams):
            parent = self.teams.get((chain[-1].org.lower(), chain[-1].parent))
            if parent is None or parent in chain:
                break
            chain.append(parent)
        return chain

    def team_permission(self, team: Team, repo: Repo) -> str | None:
        """A team's role on a repository, its own or inherited from a parent team."""
        perm: str | None = None
        for link in self.lineage(team):
            perm = higher(perm, link.repos.get(repo.full_name.lower()))
        return perm

    def team_members(self, team: Team) -> list[str]:
        """GitHub's member list of a team includes the members of its child teams."""
        members = list(team.members)
        seen = {m.lower() for m in members}
        for other in self.teams.values():
            if other is not team and team in self.lineage(other)[1:]:
                for member in other.members:
                    if member.lower() not in seen:
                        seen.add(member.lower())
                        members.append(member)
        return members

    def user_permission(self, repo: Repo, login: str) -> str | None:
        """The highest role a user holds on a repository, from every source GitHub merges."""
        key = login.lower()
        owner = self.account(repo.owner)
        perm: str | None = None
        if repo.owner.lower() == key or (owner is not None and key in owner.owners):
            perm = "admin"
        perm = higher(perm, repo.collaborators.get(key))
        for team in self.teams.values():
            if key in {m.lower() for m in team.members}:
                perm = higher(perm, self.team_permission(team, repo))
        return perm

    def token_permission(self, repo: Repo, token: Token) -> str | None:
        if token.repos is not None and not (
            repo.full_name.lower() in token.repos or repo.name.lower() in token.repos
        ):
            return None
        if token.installation_owner is not None:
            return "admin" if token.installation_owner == repo.owner.lower() else None
        # A token reaches every repository it is scoped to; where its user holds no
        # role of their own it acts as an admin token (the sandbox's operator).
        perm = self.user_permission(repo, token.login) or "admin"
        return perm if token.write else "pull"


_STATE_FIELDS = tuple(f for f in fields(World) if f.name != "lock")
