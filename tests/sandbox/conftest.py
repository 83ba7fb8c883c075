"""Fixtures: a started, seeded emulator per test, and a small HTTP helper."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

# contract_support lives in tests/; appended (not prepended) so that a tests/github
# package can never shadow PyGithub's `github` for these modules.
if str(Path(__file__).parents[1]) not in sys.path:
    sys.path.append(str(Path(__file__).parents[1]))

from contract_support import ContractValidator

from reconciler.sandbox.github import GitHubEmulator

OWNER, REPO, TOKEN = "acme", "web", "ghp_admin_token"


class Api:
    """requests against the emulator with a token; returns the raw Response."""

    def __init__(self, base: str, token: str | None = TOKEN) -> None:
        self.base = base
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"token {token}"

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=10, **kwargs)

    def as_token(self, token: str | None) -> Api:
        return Api(self.base, token)


@pytest.fixture
def validator() -> ContractValidator:
    return ContractValidator()


@pytest.fixture
def emu(validator: ContractValidator) -> Iterator[GitHubEmulator]:
    emulator = GitHubEmulator()
    emulator.start()
    emulator.on_request = validator.record
    emulator.add_org(OWNER, owners=["admin"])
    emulator.add_repo(OWNER, REPO)
    emulator.add_repo(OWNER, "other")
    emulator.add_team(OWNER, "ops", ["alice", "bob"])
    emulator.grant_team(OWNER, "ops", OWNER, REPO, "push")
    emulator.add_team(OWNER, "outsiders", ["mallory"])
    emulator.add_collaborator(OWNER, REPO, "carol", "write")
    emulator.add_user("dave")  # exists, no access to anything
    emulator.add_token(TOKEN, login="admin")
    try:
        yield emulator
    finally:
        emulator.stop()
    # Every exchange of every test that uses this fixture must match the spec.
    validator.assert_clean()


@pytest.fixture
def api(emu: GitHubEmulator) -> Api:
    return Api(emu.url)


def team_id(emu: GitHubEmulator, slug: str) -> int:
    return emu.add_team(OWNER, slug)


def user_id(emu: GitHubEmulator, login: str) -> int:
    return emu.add_user(login)
