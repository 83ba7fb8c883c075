"""`GitHubEmulator`: seeding, direct state access, observability and control."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from reconciler.sandbox.github import payloads
from reconciler.sandbox.github.app import EmulatorApp
from reconciler.sandbox.github.controls import EmulatorControls
from reconciler.sandbox.github.crypto import KeyPair
from reconciler.sandbox.github.issue_controls import IssueControls
from reconciler.sandbox.github.jobs import JobControls
from reconciler.sandbox.github.records import Dispatch
from reconciler.sandbox.github.routes_environments import apply_settings
from reconciler.sandbox.github.server import Server
from reconciler.sandbox.github.state import (
    Account,
    App,
    BranchPolicy,
    OidcSubject,
    Repo,
    Secret,
    Team,
    Token,
    Variable,
    World,
    normalize_permission,
)


class GitHubEmulator(EmulatorControls, JobControls, IssueControls):
    """A GitHub REST API (the subset reconcile uses) on http://127.0.0.1:<ephemeral port>."""

    def __init__(self, *, latency: float = 0.0, port: int = 0) -> None:
        self._world = World()
        self._app = EmulatorApp(self._world)
        self._app.latency = latency
        self._server = Server(self._app, port=port)
        self.url = ""

    # lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        self.url = self._server.start()
        self._app.base = self.url

    def stop(self) -> None:
        self.release_holds()  # a held answer must not keep a server thread from ending
        self._server.stop()

    def __enter__(self) -> GitHubEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # seeding -------------------------------------------------------------------

    def _account(self, login: str, kind: str) -> int:
        with self._world.lock:
            existing = self._world.account(login)
            if existing is not None:
                return existing.id
            account = Account(self._world.new_id(), login, kind, self._world.now())
            self._world.accounts[login.lower()] = account
            return account.id

    def add_org(self, login: str, *, owners: Sequence[str] = ()) -> int:
        """An organization; `owners` (created as users) get admin on all its repositories."""
        org_id = self._account(login, "Organization")
        with self._world.lock:
            for owner in owners:
                self.add_user(owner)
                self._world.require_account(login).owners.add(owner.lower())
        return org_id

    def add_user(self, login: str) -> int:
        return self._account(login, "User")

    def set_plan(self, login: str, plan: str) -> None:
        """The GitHub plan of an organization or user: free, pro, team or enterprise.

        Below enterprise, environments of private and internal repositories refuse
        required reviewers and wait timers (422); on free they cannot be written (404).
        """
        if plan not in {"free", "pro", "team", "enterprise"}:
            raise ValueError(f"unknown plan {plan!r}")
        with self._world.lock:
            self._world.require_account(login).plan = plan

    def add_team(
        self, org: str, slug: str, members: Sequence[str] = (), *, parent: str | None = None
    ) -> int:
        """A team; `parent` (an existing team's slug) makes it a child team that
        inherits the parent's repository access."""
        with self._world.lock:
            if parent is not None:
                self._world.require_team(org, parent)
            self.add_org(org)
            for member in members:
                self.add_user(member)
            team = self._world.team(org, slug)
            if team is None:
                team = Team(
                    self._world.new_id(),
                    self._world.require_account(org).login,
                    slug,
                    slug,
                    self._world.now(),
                )
                self._world.teams[(org.lower(), slug.lower())] = team
            for member in members:
                if member.lower() not in {m.lower() for m in team.members}:
                    team.members.append(member)
            if parent is not None:
                team.parent = parent.lower()
            return team.id

    def add_repo(self, owner: str, name: str, *, visibility: str = "private") -> int:
        """A repository (private unless told); an unknown owner is created as an organization."""
        if visibility not in {"public", "private", "internal"}:
            raise ValueError(f"unknown visibility {visibility!r}")
        with self._world.lock:
            if self._world.account(owner) is None:
                self.add_org(owner)
            existing = self._world.repo(owner, name)
            if existing is not None:
                existing.visibility = visibility
                return existing.id
            repo = Repo(
                self._world.new_id(),
                self._world.require_account(owner).login,
                name,
                self._world.now(),
                KeyPair(),
                visibility=visibility,
            )
            self._world.repos[repo.full_name.lower()] = repo
            return repo.id

    def grant_team(
        self, org: str, slug: str, owner: str, repo: str, permission: str = "push"
    ) -> None:
        with self._world.lock:
            team = self._world.require_team(org, slug)
            team.repos[self._world.require_repo(owner, repo).full_name.lower()] = (
                normalize_permission(permission)
            )

    def add_collaborator(
        self, owner: str, repo: str, login: str, permission: str = "write"
    ) -> None:
        with self._world.lock:
            self.add_user(login)
            target = self._world.require_repo(owner, repo)
            target.collaborators[login.lower()] = normalize_permission(permission)

    def set_oidc_subject(
        self,
        owner: str,
        repo: str,
        *,
        use_default: bool = True,
        include_claim_keys: Sequence[str] | None = None,
        immutable: bool = False,
    ) -> None:
        """Like PUT /repos/{owner}/{repo}/actions/oidc/customization/sub, plus the
        immutable-subject opt-in."""
        with self._world.lock:
            keys = list(include_claim_keys) if include_claim_keys is not None else None
            self._world.require_repo(owner, repo).oidc = OidcSubject(use_default, keys, immutable)

    def set_org_oidc_subject(self, org: str, include_claim_keys: Sequence[str]) -> None:
        with self._world.lock:
            self._world.require_account(org).oidc_claim_keys = list(include_claim_keys)

    def add_token(
        self,
        token: str,
        *,
        login: str,
        write: bool = True,
        repos: Collection[str] | None = None,
        expires_at: datetime | None = None,
        scopes: str | None = "repo",
    ) -> None:
        """A personal access token acting as `login` (created as a user if unknown).

        `repos` limits it to those repositories ("owner/name" or bare names); a
        read-only token gets 403 on every write.
        """
        with self._world.lock:
            if self._world.account(login) is None:
                self.add_user(login)
            self._world.tokens[token] = Token(
                login=login,
                write=write,
                repos=frozenset(r.lower() for r in repos) if repos is not None else None,
                expires_at=expires_at,
                scopes=scopes,
            )

    def add_app(
        self, app_id: int, public_key_pem: str, installations: Mapping[str, int], *, slug: str = ""
    ) -> None:
        with self._world.lock:
            for owner in installations:
                if self._world.account(owner) is None:
                    self.add_org(owner)
            self._world.apps[app_id] = App(
                app_id=app_id,
                slug=slug or f"app-{app_id}",
                public_key_pem=public_key_pem,
                installations={o.lower(): i for o, i in installations.items()},
                created_at=self._world.now(),
            )

    # direct state access -------------------------------------------------------

    def put_environment(
        self,
        owner: str,
        repo: str,
        name: str,
        *,
        wait_timer: int = 0,
        prevent_self_review: bool = False,
        reviewers: Sequence[tuple[str, int]] = (),
        deployment_branch_policy: tuple[bool, bool] | None = None,
        can_admins_bypass: bool | None = None,
    ) -> None:
        """Like a PUT environment naming every setting, bypassing HTTP and the plan check.

        Reviewers are ("User"|"Team", id). `can_admins_bypass` None leaves it out of
        the PUT, which (as on GitHub) sets it back to true.
        """
        body: dict[str, Any] = {
            "wait_timer": wait_timer,
            "prevent_self_review": prevent_self_review,
            "reviewers": [{"type": kind, "id": ident} for kind, ident in reviewers],
            "deployment_branch_policy": None,
        }
        if deployment_branch_policy is not None:
            body["deployment_branch_policy"] = {
                "protected_branches": deployment_branch_policy[0],
                "custom_branch_policies": deployment_branch_policy[1],
            }
        if can_admins_bypass is not None:
            body["can_admins_bypass"] = can_admins_bypass
        with self._world.lock:
            repository = self._world.require_repo(owner, repo)
            apply_settings(self._world, repository, name, body, check_plan=False)

    def set_admins_bypass(self, owner: str, repo: str, env: str, value: bool) -> None:
        """What a person does with the environment's bypass checkbox in GitHub's UI."""
        with self._world.lock:
            self._world.require_env(owner, repo, env).can_admins_bypass = value

    def forget_environment_keys(self, *keys: str) -> None:
        """Behave like an older GitHub Enterprise Server that predates these PUT keys.

        A PUT naming one is refused with 422 "... is not a permitted key."; with
        can_admins_bypass among them, answers no longer carry that field.
        """
        with self._world.lock:
            self._world.legacy_environment_keys.update(keys)

    def delete_environment(self, owner: str, repo: str, name: str) -> None:
        with self._world.lock:
            self._world.require_repo(owner, repo).environments.pop(name.lower(), None)

    def environment_names(self, owner: str, repo: str) -> list[str]:
        with self._world.lock:
            return sorted(
                e.name for e in self._world.require_repo(owner, repo).environments.values()
            )

    def environment_json(self, owner: str, repo: str, env: str) -> dict[str, Any] | None:
        """The body GET environment would return (URLs use the emulator's base URL)."""
        with self._world.lock:
            target = self._world.require_repo(owner, repo)
            found = target.environments.get(env.lower())
            if found is None:
                return None
            return payloads.environment(self.url, self._world, target, found)

    def add_branch_policy(
        self,
        owner: str,
        repo: str,
        env: str,
        name: str,
        type: str = "branch",
    ) -> int:
        with self._world.lock:
            environment = self._world.require_env(owner, repo, env)
            policy = BranchPolicy(self._world.new_id(), name, type)
            environment.policies[policy.id] = policy
            return policy.id

    def branch_policies(self, owner: str, repo: str, env: str) -> list[tuple[str, str]]:
        """(type, name) of each custom deployment branch/tag policy, in creation order."""
        with self._world.lock:
            environment = self._world.require_env(owner, repo, env)
            return [
                (p.type, p.name) for p in sorted(environment.policies.values(), key=lambda p: p.id)
            ]

    def set_variable(self, owner: str, repo: str, env: str | None, name: str, value: str) -> None:
        with self._world.lock:
            scope = self._world.variables_of(owner, repo, env)
            now = self._world.now()
            existing = scope.get(name.upper())
            if existing is not None:
                existing.value, existing.updated_at = value, now
            else:
                scope[name.upper()] = Variable(name.upper(), value, now, now)

    def delete_variable(self, owner: str, repo: str, env: str | None, name: str) -> None:
        with self._world.lock:
            self._world.variables_of(owner, repo, env).pop(name.upper(), None)

    def variables(self, owner: str, repo: str, env: str | None) -> dict[str, str]:
        with self._world.lock:
            return {v.name: v.value for v in self._world.variables_of(owner, repo, env).values()}

    def set_secret(  # noqa: PLR0917 (the documented call shape is positional)
        self,
        owner: str,
        repo: str,
        env: str | None,
        name: str,
        plaintext: str,
        updated_at: datetime | None = None,
    ) -> None:
        with self._world.lock:
            scope = self._world.secrets_of(owner, repo, env)
            stamp = (updated_at or self._world.now()).replace(microsecond=0)
            existing = scope.get(name.upper())
            if existing is not None:
                existing.plaintext, existing.updated_at = plaintext, stamp
            else:
                scope[name.upper()] = Secret(name.upper(), plaintext, stamp, stamp)

    def delete_secret(self, owner: str, repo: str, env: str | None, name: str) -> None:
        with self._world.lock:
            self._world.secrets_of(owner, repo, env).pop(name.upper(), None)

    def secret_value(self, owner: str, repo: str, env: str | None, name: str) -> str | None:
        with self._world.lock:
            secret = self._world.secrets_of(owner, repo, env).get(name.upper())
            return secret.plaintext if secret else None

    def secret_names(self, owner: str, repo: str, env: str | None) -> list[str]:
        with self._world.lock:
            return sorted(self._world.secrets_of(owner, repo, env))

    def rotate_public_key(self, owner: str, repo: str, env: str | None = None) -> None:
        """A new secrets key pair; clients holding the old key_id then get 422."""
        with self._world.lock:
            target = self._world.require_repo(owner, repo)
            if env is None:
                target.keys = KeyPair()
            else:
                self._world.require_env(owner, repo, env).keys = KeyPair()

    @property
    def dispatches(self) -> list[Dispatch]:
        with self._world.lock:
            return list(self._world.dispatches)

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's clock (token expiry, JWT checks, timestamps) forward."""
        with self._world.lock:
            self._world.clock_offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        """Forget all state, faults, limits and logged requests; keep serving on the same URL."""
        with self._world.lock:
            fresh = World()
            for name in (
                "clock_offset",
                "next_id",
                "accounts",
                "teams",
                "repos",
                "tokens",
                "apps",
                "dispatches",
                "legacy_environment_keys",
                "issue_books",
            ):
                setattr(self._world, name, getattr(fresh, name))
        self._app.faults.clear()
        self._app.primary.configure(5000, None, 3600)
        self._app.secondary = None
        self._app.latency = 0.0
        self.clear_requests()
