"""Errors are one clear line, name the problem, and never carry a credential."""

from __future__ import annotations

import socket

import pytest
from gh_support import FULL, OWNER, REPO, TOKEN, ConnFactory
from request_log import log_of, logged

from reconciler.errors import ReconcileError
from reconciler.github import (
    GitHubConnection,
    GitHubError,
    GitHubWriter,
    RetryPolicy,
    TokenCredentials,
    connection_from_env,
    observe_repository,
)
from reconciler.sandbox.github import GitHubEmulator


def _one_line_without_token(error: BaseException) -> str:
    # No link to the replaced exception: it would hold the request and its token.
    assert error.__context__ is None and error.__cause__ is None
    text = str(error)
    assert "\n" not in text
    assert TOKEN not in text and "nope-token" not in text
    return text


def test_bad_token_is_an_auth_error(make_conn: ConnFactory) -> None:
    conn = make_conn("nope-token")
    with pytest.raises(GitHubError) as caught:
        observe_repository(conn, OWNER, REPO)
    assert caught.value.kind == "auth"
    assert isinstance(caught.value, ReconcileError)
    assert "401" in _one_line_without_token(caught.value)


def test_read_only_token_write_names_the_missing_permission(
    emu: GitHubEmulator, make_conn: ConnFactory
) -> None:
    emu.add_token("ro-token", login="reader", write=False)
    conn = make_conn("ro-token")
    with pytest.raises(GitHubError) as caught:
        GitHubWriter(conn).create_variable(FULL, None, "X", "1")
    text = _one_line_without_token(caught.value)
    assert caught.value.kind == "forbidden"
    assert "Variables: write" in text and "403" in text


def test_validation_error_carries_githubs_message(conn: GitHubConnection) -> None:
    with pytest.raises(GitHubError) as caught:
        GitHubWriter(conn).create_variable(FULL, None, "GITHUB_NOPE", "1")
    assert caught.value.kind == "validation"
    assert "422" in _one_line_without_token(caught.value)


def test_unreachable_api_is_a_network_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    retry = RetryPolicy(tries=2, backoff=0.0, jitter=0.0, max_wait=0.1)
    conn = GitHubConnection(
        TokenCredentials(TOKEN),
        api_url=f"http://127.0.0.1:{port}",
        retry=retry,
        pacer=logged(),
        timeout=2,
    )
    with pytest.raises(GitHubError) as caught:
        observe_repository(conn, OWNER, REPO)
    # Nothing listens there: one attempt, no retry and so no wait.
    assert [(e.path, e.status) for e in log_of(conn).events] == [
        (f"/repos/{OWNER}/{REPO}/environments", 0)
    ]
    assert log_of(conn).retries == 0
    text = _one_line_without_token(caught.value)
    assert caught.value.kind == "network"
    assert text.startswith(f"cannot reach http://127.0.0.1:{port} while listing environments")
    assert "ConnectionRefusedError" in text


def test_primary_limit_far_from_reset_fails_with_a_clear_error(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.set_primary_limit(10, remaining=0, reset_in=3600)
    emu.clear_requests()
    with pytest.raises(GitHubError) as caught:
        observe_repository(conn, OWNER, REPO)
    # Fails on the first answer instead of waiting an hour for the reset: one request, no retry.
    assert [(r.method, r.status) for r in emu.requests] == [("GET", 403)]
    assert log_of(conn).retries == 0
    assert caught.value.kind == "rate_limit"
    _one_line_without_token(caught.value)


@pytest.mark.parametrize(
    "url", ["http://api.example.com", "http://10.0.0.5:8080/api/v3", "ftp://127.0.0.1"]
)
def test_plain_http_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(GitHubError) as caught:
        connection_from_env({"GITHUB_API_URL": url, "GITHUB_TOKEN": TOKEN}, OWNER)
    assert caught.value.kind == "config"
    _one_line_without_token(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"])
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    conn = connection_from_env({"GITHUB_API_URL": url, "GH_TOKEN": TOKEN}, OWNER)
    assert conn.api_url == url
    assert isinstance(conn.credentials, TokenCredentials)
    assert TOKEN not in repr(conn.credentials)


def test_no_credentials_is_one_clear_error() -> None:
    with pytest.raises(GitHubError) as caught:
        connection_from_env({}, OWNER)
    assert "GITHUB_TOKEN" in str(caught.value)


def test_default_api_url_is_github(emu: GitHubEmulator) -> None:
    conn = connection_from_env({"GITHUB_TOKEN": TOKEN}, OWNER, REPO)
    assert conn.api_url == "https://api.github.com"
