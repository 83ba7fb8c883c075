"""How requests reach GitHub, and the guard rails of the test transport settings.

PyGithub makes its connections from the classes `Requester.injectConnectionClasses`
names; ours send through the paced session of the client they serve. If a PyGithub
release changes that extension point, the first tests here fail and say so.
"""

from __future__ import annotations

import pytest
import requests
import structlog
from gh_support import FAST_TRANSPORT, OWNER, REPO, TOKEN, app_key_pair

from reconciler.github import (
    AppCredentials,
    GitHubConnection,
    GitHubError,
    PacerConfig,
    RetryPolicy,
    TokenCredentials,
    TransportSettings,
    observe_repository,
    settings_from_env,
)
from reconciler.github.transport import (
    PacedHTTPConnection,
    PacedHTTPSConnection,
    ReconcileRetry,
)
from reconciler.sandbox.github import FaultRule, GitHubEmulator

BYPASSED = (
    "requests bypassed the pacer: PyGithub no longer builds its connections from the "
    "classes given to Requester.injectConnectionClasses, or no longer passes them `retry`"
)


def test_every_request_pygithub_sends_is_paced_and_counted(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.put_environment(OWNER, REPO, "dev")
    emu.set_variable(OWNER, REPO, "dev", "A", "1")
    emu.clear_requests()

    observe_repository(conn, OWNER, REPO)

    seen = [(r.method, r.path) for r in emu.requests]
    counted = [(e.method, e.path) for e in conn.counter.events]
    assert seen, "the read sent nothing"
    assert counted == seen, BYPASSED


@pytest.mark.parametrize("connection_class", [PacedHTTPConnection, PacedHTTPSConnection])
def test_a_connection_sends_through_the_session_its_retry_names(
    connection_class: type[PacedHTTPConnection] | type[PacedHTTPSConnection],
) -> None:
    session = requests.Session()
    retry = ReconcileRetry(session=session)
    # The keywords PyGithub's Requester passes when it makes a connection.
    made = connection_class("127.0.0.1", 8080, retry=retry, pool_size=2, timeout=5, verify=True)
    assert made.session is session
    made.close()  # PyGithub closes each connection when it makes the next one...
    assert session.adapters, "...which must not close the client's session"

    plain = connection_class("127.0.0.1", 8080, retry=3, pool_size=2, timeout=5, verify=True)
    assert plain.session is not session  # PyGithub used by anything else: its own session
    plain.close()


@pytest.fixture
def app_conn(emu: GitHubEmulator) -> GitHubConnection:
    private, public = app_key_pair()
    emu.add_app(7, public, {OWNER: 70}, slug="paced-bot")
    return GitHubConnection(
        AppCredentials(7, private, installation_id=70), api_url=emu.url, transport=FAST_TRANSPORT
    )


def test_an_apps_installation_token_request_is_paced_too(
    emu: GitHubEmulator, app_conn: GitHubConnection
) -> None:
    observe_repository(app_conn, OWNER, REPO)

    token_requests = [r for r in emu.requests if r.path.endswith("/access_tokens")]
    assert len(token_requests) == 1
    assert app_conn.counter.count("POST", "/access_tokens") == 1, BYPASSED


def test_test_settings_are_refused_for_a_github_api_elsewhere() -> None:
    with pytest.raises(GitHubError) as caught:
        GitHubConnection(
            TokenCredentials(TOKEN),
            api_url="https://api.github.com",
            transport=TransportSettings.for_tests(),
        )
    assert caught.value.kind == "config"
    assert "api.github.com" in str(caught.value)
    assert "RECONCILE_TEST_PACING" in str(caught.value)


def test_the_production_settings_pace_and_back_off_for_real() -> None:
    settings = TransportSettings()
    assert settings.pacer == PacerConfig()
    assert settings.pacer.points_per_window == 900
    assert settings.retry == RetryPolicy()
    assert settings.retry.sleep_cap is None
    assert settings.retry.sleep_for(60.0) == 60.0
    assert not settings.loopback_only


def test_without_test_variables_the_environment_gives_production_settings() -> None:
    with structlog.testing.capture_logs() as logs:
        assert settings_from_env({"GITHUB_TOKEN": TOKEN}) == TransportSettings()
    assert logs == []


def test_test_variables_give_loopback_only_settings_and_say_so() -> None:
    environ = {"RECONCILE_TEST_PACING": "off", "RECONCILE_TEST_RETRY_SLEEP_MS": "5"}
    with structlog.testing.capture_logs() as logs:
        settings = settings_from_env(environ)
    assert settings.pacer == PacerConfig.unpaced()
    assert settings.retry.sleep_for(60.0) == 0.005
    assert settings.retry.max_wait == RetryPolicy().max_wait  # decisions as in production
    assert settings.loopback_only
    assert [entry["log_level"] for entry in logs] == ["warning"]
    assert "test transport settings" in logs[0]["event"]


@pytest.mark.parametrize(
    "environ",
    [
        {"RECONCILE_TEST_PACING": "fast"},
        {"RECONCILE_TEST_RETRY_SLEEP_MS": "soon"},
        {"RECONCILE_TEST_RETRY_SLEEP_MS": "-1"},
    ],
)
def test_a_bad_test_variable_is_one_clear_error(environ: dict[str, str]) -> None:
    with pytest.raises(GitHubError) as caught:
        settings_from_env(environ)
    assert caught.value.kind == "config"
    assert next(iter(environ)) in str(caught.value)


def test_short_sleeps_do_not_change_what_is_refused(emu: GitHubEmulator) -> None:
    """A Retry-After over the bound still fails at once with test settings."""
    emu.add_fault(
        FaultRule("GET", r"/environments$", times=1, kind="secondary_limit", retry_after=600)
    )
    conn = GitHubConnection(
        TokenCredentials(TOKEN), api_url=emu.url, transport=TransportSettings.for_tests()
    )
    with pytest.raises(GitHubError) as caught:
        observe_repository(conn, OWNER, REPO)
    assert caught.value.kind == "rate_limit"
    assert "600" in str(caught.value)
    conn.close()
