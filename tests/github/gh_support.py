"""Shared constants and helpers of the GitHub adapter tests (imported by name:
tests/github is not a package, so that it cannot shadow PyGithub's `github`)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from reconciler.github import GitHubConnection, RetryPolicy
from reconciler.sandbox.github import GitHubEmulator

OWNER, REPO = "acme", "web"
# Generated per run: no credential-shaped literal lives in the repository.
TOKEN = "test-token-" + secrets.token_hex(12)
FULL = f"{OWNER}/{REPO}"

# Tiny waits so retry tests take milliseconds.
FAST_RETRY = RetryPolicy(tries=5, backoff=0.01, jitter=0.5, max_wait=2.0, secondary_wait=0.01)

ConnFactory = Callable[..., GitHubConnection]


def user_id(emu: GitHubEmulator, login: str) -> int:
    return emu.add_user(login)  # returns the existing id for a known login


def team_id(emu: GitHubEmulator, slug: str, members: tuple[str, ...] = ()) -> int:
    return emu.add_team(OWNER, slug, members)
