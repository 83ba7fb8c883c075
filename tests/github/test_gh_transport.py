"""How requests reach GitHub, and the transport settings a run starts from.

PyGithub makes its connections from the classes `Requester.injectConnectionClasses`
names; ours send through the paced session of the client they serve. If a PyGithub
release changes that extension point, the first tests here fail and say so.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests
from gh_support import FAST_TRANSPORT, OWNER, REPO, ConnFactory, app_key_pair
from integration.proxy import forwarding
from request_log import log_of, logged

from reconciler.github import (
    AppCredentials,
    GitHubConnection,
    PacerConfig,
    RetryPolicy,
    TransportSettings,
    observe_repository,
    transport_settings,
)
from reconciler.github.transport import (
    PacedHTTPConnection,
    PacedHTTPSConnection,
    ReconcileRetry,
)
from reconciler.sandbox.github import GitHubEmulator

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
    counted = [(e.method, e.path) for e in log_of(conn).events]
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
        AppCredentials(7, private, installation_id=70),
        api_url=emu.url,
        transport=FAST_TRANSPORT,
        pacer=logged(FAST_TRANSPORT.pacer),
    )


def test_an_apps_installation_token_request_is_paced_too(
    emu: GitHubEmulator, app_conn: GitHubConnection
) -> None:
    observe_repository(app_conn, OWNER, REPO)

    token_requests = [r for r in emu.requests if r.path.endswith("/access_tokens")]
    assert len(token_requests) == 1
    assert log_of(app_conn).count("POST", "/access_tokens") == 1, BYPASSED


def test_the_production_settings_pace_and_back_off_for_real() -> None:
    settings = TransportSettings()
    assert settings.pacer == PacerConfig()
    assert settings.pacer.points_per_window == 900
    assert settings.retry == RetryPolicy()
    assert settings.retry.backoff == 1.0
    assert transport_settings() == settings


def test_points_off_is_unpaced_and_backoff_changes_only_the_first_wait() -> None:
    settings = transport_settings(0, 0.001)
    assert settings.pacer == PacerConfig.unpaced()
    assert settings.retry == replace(RetryPolicy(), backoff=0.001)
    # What GitHub asks for is judged as in production.
    assert settings.retry.max_wait == RetryPolicy().max_wait
    assert transport_settings(300).pacer == replace(PacerConfig(), points_per_window=300)


@pytest.mark.parametrize("bypass", [False, True], ids=["through the proxy", "NO_PROXY"])
def test_the_proxy_variables_hold_for_every_request(
    emu: GitHubEmulator, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch, bypass: bool
) -> None:
    """A client reads the environment once per host (transport.py), not once per
    request; what it read, HTTP_PROXY and NO_PROXY included, holds for each one."""
    emu.put_environment(OWNER, REPO, "dev")
    emu.set_variable(OWNER, REPO, "dev", "A", "1")
    with forwarding() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1" if bypass else "")
        emu.clear_requests()
        observe_repository(make_conn(), OWNER, REPO)
    sent = [f"{r.method} {emu.url}{r.path}" for r in emu.requests]
    relayed = [line.partition("?")[0] for line in proxy.seen]
    assert len(sent) > 1
    assert sorted(relayed) == ([] if bypass else sorted(sent))
