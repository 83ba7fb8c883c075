"""Seed the GitHub emulator from a desired state: what a real org would have.

The owner (an organization on GitHub Enterprise, so private repositories may
have every environment rule), every repository (private), every referenced
team (two members each, with push access to every managed repository) and
user (a collaborator on each), one token of an organization owner, and one
read-only token (what a plan or the nightly drift check should run with).
Environments, variables and secrets are NOT created: the sandbox starts as a
fresh GitHub, and `reconcile apply` fills it.
"""

from __future__ import annotations

import secrets as _random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reconciler.model.desired import DesiredState
from reconciler.sandbox.github import GitHubEmulator

ADMIN_LOGIN = "sandbox-admin"
READER_LOGIN = "sandbox-reader"


@dataclass(frozen=True)
class GitHubSeed:
    token: str
    read_token: str  # may read every repository, write nothing
    # secret name -> a token the emulator accepts, for secrets with a dispatch check
    dispatch_tokens: dict[str, str]


def seed_github(emulator: GitHubEmulator, desired: DesiredState) -> GitHubSeed:
    owner = desired.owner
    # An organization owner, as the person setting environments up usually is:
    # it may see the organization's plan.
    emulator.add_org(owner, owners=[ADMIN_LOGIN])
    for repo in desired.repositories:
        emulator.add_repo(owner, repo.name)
    teams: set[str] = set()
    users: set[str] = set()
    for repo in desired.repositories:
        for env in repo.environments:
            for reviewer in env.reviewers:
                (teams if reviewer.kind == "team" else users).add(reviewer.name)
    for slug in sorted(teams):
        emulator.add_team(owner, slug, [f"{slug}-alice", f"{slug}-bob"])
        for repo in desired.repositories:
            emulator.grant_team(owner, slug, owner, repo.name, "push")
    for login in sorted(users):
        emulator.add_user(login)
        for repo in desired.repositories:
            emulator.add_collaborator(owner, repo.name, login, "write")
    token = "sandbox_" + _random.token_hex(16)
    emulator.add_token(token, login=ADMIN_LOGIN, write=True)
    read_token = "sandbox_read_" + _random.token_hex(16)
    emulator.add_token(read_token, login=READER_LOGIN, write=False)
    dispatch_tokens: dict[str, str] = {}
    for repo in desired.repositories:
        for name, secret in repo.secrets.items():
            if secret.check is None:
                continue
            dispatch_token = "sandbox_dispatch_" + _random.token_hex(12)
            emulator.add_token(
                dispatch_token,
                login=ADMIN_LOGIN,
                write=True,
                repos=[secret.check.repository],
                expires_at=datetime.now(UTC) + timedelta(days=90),
            )
            dispatch_tokens[name] = dispatch_token
    return GitHubSeed(token=token, read_token=read_token, dispatch_tokens=dispatch_tokens)
