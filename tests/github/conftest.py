"""A started emulator per test, seeded with an org, a repository and a token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gh_support import FAST_RETRY, FAST_TRANSPORT, OWNER, REPO, TOKEN, ConnFactory
from request_log import logged

from reconciler.github import GitHubConnection, Pacer, RetryPolicy, TokenCredentials
from reconciler.sandbox.github import GitHubEmulator


@pytest.fixture
def emu() -> Iterator[GitHubEmulator]:
    emulator = GitHubEmulator()
    emulator.start()
    emulator.add_org(OWNER)
    emulator.add_repo(OWNER, REPO)
    emulator.add_token(TOKEN, login="deployer")
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def make_conn(emu: GitHubEmulator) -> Iterator[ConnFactory]:
    made: list[GitHubConnection] = []

    def factory(
        token: str = TOKEN,
        *,
        retry: RetryPolicy = FAST_RETRY,
        pacer: Pacer | None = None,
    ) -> GitHubConnection:
        conn = GitHubConnection(
            TokenCredentials(token),
            api_url=emu.url,
            transport=FAST_TRANSPORT,
            retry=retry,
            pacer=pacer if pacer is not None else logged(FAST_TRANSPORT.pacer),
            timeout=10,
        )
        made.append(conn)
        return conn

    yield factory
    for conn in made:
        conn.close()


@pytest.fixture
def conn(make_conn: ConnFactory) -> GitHubConnection:
    return make_conn()
