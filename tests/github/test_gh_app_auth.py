"""GitHub App auth end to end: JWT -> installation -> installation token -> reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gh_support import FAST_TRANSPORT, OWNER, REPO, app_key_pair

from reconciler.github import (
    AppCredentials,
    GitHubError,
    authenticated_actor,
    connection_from_env,
    observe_repository,
)
from reconciler.sandbox.github import GitHubEmulator

APP_ID, INSTALLATION = 4242, 77


@pytest.fixture(scope="module")
def app_key() -> tuple[str, str]:
    return app_key_pair()


@pytest.fixture
def app_env(emu: GitHubEmulator, app_key: tuple[str, str]) -> dict[str, str]:
    private, public = app_key
    emu.add_app(APP_ID, public, {OWNER: INSTALLATION}, slug="reconcile-bot")
    emu.put_environment(OWNER, REPO, "dev")
    emu.set_variable(OWNER, REPO, "dev", "WHO", "app")
    return {
        "GITHUB_API_URL": emu.url,
        "GITHUB_APP_ID": str(APP_ID),
        "GITHUB_APP_PRIVATE_KEY": private,
        "GITHUB_TOKEN": "ignored-when-an-app-is-configured",
    }


def test_app_finds_its_installation_and_reads(emu: GitHubEmulator, app_env: dict[str, str]) -> None:
    conn = connection_from_env(app_env, OWNER, REPO, transport=FAST_TRANSPORT)
    assert isinstance(conn.credentials, AppCredentials)
    assert "BEGIN" not in repr(conn.credentials)

    observed = observe_repository(conn, OWNER, REPO)

    dev = observed.environment("dev")
    assert dev is not None and dev.variables["WHO"].value == "app"
    calls = [(r.method, r.path) for r in emu.requests]
    assert calls[0] == ("GET", f"/repos/{OWNER}/{REPO}/installation")
    assert calls.count(("POST", f"/app/installations/{INSTALLATION}/access_tokens")) == 1
    reads = [r for r in emu.requests if r.path.startswith(f"/repos/{OWNER}/{REPO}/")]
    assert all(r.identity == "reconcile-bot[bot]" for r in reads[1:])
    assert authenticated_actor(conn) == "reconcile-bot"
    # The JWT's and the token request name the API version and media type too.
    assert {(r.api_version, r.accept) for r in emu.requests} == {
        ("2022-11-28", "application/vnd.github+json")
    }
    conn.close()


def test_app_with_an_installation_id_and_a_key_file(
    emu: GitHubEmulator, app_env: dict[str, str], tmp_path: Path
) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(app_env.pop("GITHUB_APP_PRIVATE_KEY"))
    env = {
        **app_env,
        "GITHUB_APP_PRIVATE_KEY_FILE": str(key_file),
        "GITHUB_APP_INSTALLATION_ID": str(INSTALLATION),
    }
    conn = connection_from_env(env, OWNER, REPO, transport=FAST_TRANSPORT)

    observe_repository(conn, OWNER, REPO)

    assert not any(r.path.endswith("/installation") for r in emu.requests)
    assert authenticated_actor(conn) == f"app/{APP_ID}"
    conn.close()


def test_an_expired_installation_token_is_replaced(
    emu: GitHubEmulator, app_env: dict[str, str]
) -> None:
    conn = connection_from_env(app_env, OWNER, REPO, transport=FAST_TRANSPORT)
    observe_repository(conn, OWNER, REPO)
    # The emulator has no knob for installation-token lifetime: expire the issued
    # token in its state directly, as GitHub would after an hour.
    world = emu._world
    with world.lock:
        for token in world.tokens.values():
            if token.installation_owner:
                token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    emu.clear_requests()

    observed = observe_repository(conn, OWNER, REPO)

    assert observed.environment("dev") is not None
    statuses = [(r.method, r.path, r.status) for r in emu.requests]
    assert statuses[0][2] == 401
    assert ("POST", f"/app/installations/{INSTALLATION}/access_tokens", 201) in statuses
    assert all(s == 200 for m, p, s in statuses[1:] if m == "GET")
    conn.close()


def test_a_wrong_app_key_is_one_clear_auth_error(
    emu: GitHubEmulator, app_env: dict[str, str]
) -> None:
    app_env["GITHUB_APP_PRIVATE_KEY"], _ = app_key_pair()
    conn = connection_from_env(app_env, OWNER, REPO, transport=FAST_TRANSPORT)
    with pytest.raises(GitHubError) as caught:
        observe_repository(conn, OWNER, REPO)
    assert caught.value.kind == "auth"
    assert "\n" not in str(caught.value) and "PRIVATE KEY" not in str(caught.value)
