"""reconcile's reader, budget check and secret writer against answers recorded
from real GitHub (tests/data/recorded, served by replay_support on loopback),
with no emulator: a second witness beside it (docs/emulator-fidelity.md,
"Recorded answers the client is tested against")."""

from __future__ import annotations

from base64 import b64decode
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from gh_support import FAST_RETRY, FAST_TRANSPORT, FULL, TOKEN
from replay_support import ReplayServer, replaying

from reconciler.github import (
    Budget,
    GitHubConnection,
    GitHubWriter,
    TokenCredentials,
    observe_repository,
    primary_budget,
)
from reconciler.model.observed import (
    ObservedEnvironment,
    ObservedRepository,
    ObservedReviewer,
    ObservedSecret,
    ObservedVariable,
)


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with replaying(FULL) as server:
        yield server


@pytest.fixture
def conn(replay: ReplayServer) -> Iterator[GitHubConnection]:
    connection = GitHubConnection(
        TokenCredentials(TOKEN),
        api_url=replay.url,
        transport=FAST_TRANSPORT,
        retry=FAST_RETRY,
        timeout=10,
    )
    yield connection
    connection.close()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


ENV_VARIABLES = {
    "VARIABLE_NAME_ONE": ObservedVariable(
        "VARIABLE_NAME_ONE", "variable-value-one", _at("2023-11-23T15:47:30")
    ),
    "VARIABLE_NAME_TWO": ObservedVariable(
        "VARIABLE_NAME_TWO", "variable-value-two", _at("2023-11-23T15:47:31")
    ),
}
ENV_SECRETS = {
    name: ObservedSecret(name, _at("2023-11-23T16:23:44"))
    for name in ("SECRET_NAME_ONE", "SECRET_NAME_TWO")
}


def test_the_reader_observes_a_repository_from_recorded_answers(
    replay: ReplayServer, conn: GitHubConnection
) -> None:
    observed = observe_repository(conn, *FULL.split("/"))
    assert observed == ObservedRepository(
        full_name=FULL,
        environments={
            # Recorded in 2022: a required reviewer, a 15-minute timer,
            # protected branches only, and no can_admins_bypass anywhere.
            "dev": ObservedEnvironment(
                name="dev",
                reviewers=(ObservedReviewer("user", 19245, "alson"),),
                wait_timer=15,
                branch_policy="protected",
                variables=ENV_VARIABLES,
                secrets=ENV_SECRETS,
                can_admins_bypass=None,
            ),
            # Recorded in 2023: no rules, all branches, bypass on.
            "test": ObservedEnvironment(
                name="test",
                branch_policy="all",
                variables=ENV_VARIABLES,
                secrets=ENV_SECRETS,
                can_admins_bypass=True,
            ),
        },
        variables={
            name: ObservedVariable(name, value, _at("2023-11-18T21:46:40"))
            for name, value in (
                ("VARIABLE_NAME_ONE", "variable-value-one"),
                ("VARIABLE_NAME_TWO", "variable-value-two"),
            )
        },
        secrets={
            "SECRET_NAME_ONE": ObservedSecret("SECRET_NAME_ONE", _at("2023-11-18T21:47:18")),
            "SECRET_NAME_TWO": ObservedSecret("SECRET_NAME_TWO", _at("2023-11-18T21:47:19")),
        },
    )
    base = f"GET /repos/{FULL}"
    # 3 + 2E (E = 2, no custom branch policies), plus one read of `dev` alone:
    # its list entry lacks can_admins_bypass; `test`'s has it.
    assert replay.asked() == [
        f"{base}/environments",
        f"{base}/environments/dev",
        f"{base}/environments/dev/variables",
        f"{base}/environments/dev/secrets",
        f"{base}/environments/test/variables",
        f"{base}/environments/test/secrets",
        f"{base}/actions/variables",
        f"{base}/actions/secrets",
    ]


def test_the_budget_is_read_from_a_recorded_rate_limit_answer(
    replay: ReplayServer, conn: GitHubConnection
) -> None:
    assert primary_budget(conn) == Budget(
        limit=5000, remaining=4988, reset_at=datetime.fromtimestamp(1734072198, UTC)
    )
    assert replay.asked() == ["GET /rate_limit"]


def test_a_secret_is_sealed_for_the_recorded_public_key(
    replay: ReplayServer, conn: GitHubConnection
) -> None:
    result = GitHubWriter(conn).put_secret(FULL, "test", "SECRET_NAME_ONE", "s3cr3t-value")
    assert result.status == 201
    assert replay.asked() == [
        f"GET /repos/{FULL}/environments/test/secrets/public-key",
        f"PUT /repos/{FULL}/environments/test/secrets/SECRET_NAME_ONE",
    ]
    sent = replay.log[-1].body
    assert sent["key_id"] == "568250167242549743"
    box = b64decode(sent["encrypted_value"], validate=True)
    # libsodium's sealed box: a fresh 32-byte public key and a 16-byte MAC,
    # then the message; the recipient's key is not in it.
    assert len(box) == 48 + len(b"s3cr3t-value")
    assert box[:32] != b64decode("4/qLofvCiuC34s/NxnkBq9uy1rD9PVl1bx3b84cuIUg=")
    assert b"s3cr3t-value" not in box
