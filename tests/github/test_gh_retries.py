"""Retries: 5xx bursts, 429 and secondary 403 with Retry-After, dropped connections;
none for a refused connection or an unknown host."""

from __future__ import annotations

import socket
from typing import Any, cast

import pytest
import structlog
from gh_support import FAST_RETRY, FULL, OWNER, REPO, TOKEN, ConnFactory
from request_log import log_of, logged
from urllib3.exceptions import MaxRetryError, NameResolutionError

from reconciler.github import (
    GitHubConnection,
    GitHubError,
    GitHubWriter,
    PacerConfig,
    RetryPolicy,
    TokenCredentials,
    observe_repository,
)
from reconciler.github.transport import ReconcileRetry
from reconciler.model.desired import BranchPattern
from reconciler.sandbox.github import FaultRule, GitHubEmulator

ENVS = r"/repos/acme/web/environments$"


def _attempts(emu: GitHubEmulator, method: str, suffix: str) -> list[int]:
    return [r.status for r in emu.requests if r.method == method and r.path.endswith(suffix)]


def test_a_burst_of_502_is_retried(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    emu.put_environment(OWNER, REPO, "dev")
    emu.add_fault(FaultRule("GET", ENVS, times=3, kind="status", status=502))
    emu.clear_requests()

    observed = observe_repository(conn, OWNER, REPO)

    assert list(observed.environments) == ["dev"]
    assert _attempts(emu, "GET", "/environments") == [502, 502, 502, 200]
    assert log_of(conn).retries == 3
    assert log_of(conn).by_endpoint()["GET /repos/acme/web/environments"] == 1


def test_persistent_5xx_fails_after_the_bounded_tries(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.add_fault(FaultRule("GET", ENVS, times=50, kind="status", status=503))
    emu.clear_requests()

    with pytest.raises(GitHubError) as caught:
        observe_repository(conn, OWNER, REPO)

    assert caught.value.status == 503
    assert len(_attempts(emu, "GET", "/environments")) == FAST_RETRY.tries
    assert "\n" not in str(caught.value)


def _planned_waits(logs: list[dict[str, Any]]) -> list[float]:
    return [
        entry["wait_seconds"] for entry in logs if entry["event"] == "retrying a GitHub request"
    ]


@pytest.mark.parametrize("kind", ["too_many_requests", "secondary_limit"])
def test_rate_limit_answers_wait_retry_after_then_succeed(
    emu: GitHubEmulator, make_conn: ConnFactory, kind: str
) -> None:
    # A backoff of its own of 5 s: a wait of 0 s can only come from the Retry-After.
    retry = RetryPolicy(tries=5, backoff=5.0, jitter=0.0, max_wait=5.0, secondary_wait=5.0)
    conn = make_conn(retry=retry)
    emu.add_fault(FaultRule("GET", ENVS, times=1, kind=kind, retry_after=0))  # type: ignore[arg-type]
    emu.clear_requests()

    with structlog.testing.capture_logs() as logs:
        observe_repository(conn, OWNER, REPO)

    assert len(_attempts(emu, "GET", "/environments")) == 2
    assert _attempts(emu, "GET", "/environments")[0] in (403, 429)
    assert _planned_waits(logs) == [0.0]  # honoured Retry-After: 0
    assert log_of(conn).retries == 1


def test_retry_after_longer_than_the_bound_fails_at_once(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.add_fault(FaultRule("GET", ENVS, times=1, kind="secondary_limit", retry_after=600))
    emu.clear_requests()

    with structlog.testing.capture_logs() as logs, pytest.raises(GitHubError) as caught:
        observe_repository(conn, OWNER, REPO)

    # At once: one attempt, no wait planned, no retry.
    assert _attempts(emu, "GET", "/environments") == [403]
    assert _planned_waits(logs) == []
    assert log_of(conn).retries == 0
    assert caught.value.kind == "rate_limit"
    assert "600" in str(caught.value)


@pytest.mark.parametrize("status", [401, 404, 422])
def test_client_errors_are_never_retried(
    emu: GitHubEmulator, conn: GitHubConnection, status: int
) -> None:
    emu.add_fault(FaultRule("GET", ENVS, times=5, kind="status", status=status))
    emu.clear_requests()

    with pytest.raises(GitHubError):
        observe_repository(conn, OWNER, REPO)

    assert len(_attempts(emu, "GET", "/environments")) == 1


def test_a_dropped_connection_is_retried(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    emu.put_environment(OWNER, REPO, "dev")
    emu.add_fault(FaultRule("GET", ENVS, times=2, kind="drop"))

    observed = observe_repository(conn, OWNER, REPO)

    assert list(observed.environments) == ["dev"]
    assert log_of(conn).retries == 2


def test_a_lost_response_to_a_variable_post_is_met_by_409_and_read_back(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    """The first POST was performed: the retry's 409 is checked by a read, not patched over."""
    emu.add_fault(FaultRule("POST", r"/actions/variables$", times=1, kind="lose_response"))
    emu.clear_requests()

    result = GitHubWriter(conn).create_variable(FULL, None, "FLAG", "on")

    assert result.status == 409
    assert result.note is not None and result.note.startswith("already existed with this value")
    assert emu.variables(OWNER, REPO, None) == {"FLAG": "on"}
    assert [r.method for r in emu.requests if "variables" in r.path] == ["POST", "POST", "GET"]


def test_a_lost_response_to_a_branch_policy_post_is_met_by_303(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.put_environment(OWNER, REPO, "prod", deployment_branch_policy=(False, True))
    emu.add_fault(FaultRule("POST", r"/deployment-branch-policies$", times=1, kind="lose_response"))

    result = GitHubWriter(conn).create_branch_policy(FULL, "prod", BranchPattern("branch", "main"))

    assert result.status == 303
    assert result.note is not None and result.note.startswith("already existed")
    assert emu.branch_policies(OWNER, REPO, "prod") == [("branch", "main")]


def test_a_put_secret_survives_a_dropped_connection(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.add_fault(FaultRule("PUT", r"/actions/secrets/TOKEN$", times=1, kind="lose_response"))

    result = GitHubWriter(conn).put_secret(FULL, None, "TOKEN", "value-1")

    assert result.status in (201, 204)
    assert emu.secret_value(OWNER, REPO, None, "TOKEN") == "value-1"


def test_a_refused_connection_fails_without_retries(closed_port: int) -> None:
    conn = GitHubConnection(
        TokenCredentials(TOKEN),
        api_url=f"http://127.0.0.1:{closed_port}",
        retry=FAST_RETRY,
        pacer=logged(PacerConfig()),
        timeout=10,
    )
    try:
        with pytest.raises(GitHubError) as caught:
            observe_repository(conn, OWNER, REPO)
    finally:
        conn.close()

    assert caught.value.kind == "network"
    assert "Connection refused" in str(caught.value)
    assert log_of(conn).retries == 0


def _resolution_error(code: int) -> NameResolutionError:
    cause = socket.gaierror(code, "resolver said no")
    try:
        raise NameResolutionError("github.example", cast(Any, None), cause) from cause
    except NameResolutionError as error:
        return error


def test_an_unknown_host_is_not_retried_but_a_resolver_hiccup_is() -> None:
    retry = ReconcileRetry(policy=FAST_RETRY)

    with pytest.raises(MaxRetryError) as caught:
        retry.increment("GET", "/rate_limit", error=_resolution_error(socket.EAI_NONAME))
    assert isinstance(caught.value.reason, NameResolutionError)

    again = retry.increment("GET", "/rate_limit", error=_resolution_error(socket.EAI_AGAIN))
    assert len(again.history) == 1
