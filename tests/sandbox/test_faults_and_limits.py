"""Injected faults, rate limits, conditional requests and latency."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from reconciler.sandbox.github import FaultRule, GitHubEmulator

from .conftest import OWNER, REPO, TOKEN, Api

R = f"/repos/{OWNER}/{REPO}"


def test_status_fault_fires_n_times_then_retires(emu: GitHubEmulator, api: Api) -> None:
    emu.add_fault(FaultRule("GET", r"/environments$", times=2, kind="status", status=502))
    got = [api("GET", f"{R}/environments").status_code for _ in range(3)]
    assert got == [502, 502, 200]
    assert api("GET", R).status_code == 200  # path did not match


def test_secondary_limit_fault_is_githubs_403(emu: GitHubEmulator, api: Api) -> None:
    emu.add_fault(FaultRule("*", r"^/user$", kind="secondary_limit", retry_after=7))
    response = api("GET", "/user")
    assert response.status_code == 403
    assert response.headers["retry-after"] == "7"
    assert "secondary rate limit" in response.json()["message"]
    assert int(response.headers["x-ratelimit-remaining"]) > 0


def test_too_many_requests_fault_is_429_with_retry_after(emu: GitHubEmulator, api: Api) -> None:
    emu.add_fault(FaultRule("GET", r"^/user$", kind="too_many_requests", retry_after=3))
    response = api("GET", "/user")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"


def test_drop_closes_the_connection_and_performs_nothing(emu: GitHubEmulator, api: Api) -> None:
    emu.add_fault(FaultRule("POST", r"/actions/variables$", kind="drop"))
    with pytest.raises(requests.ConnectionError):
        api("POST", f"{R}/actions/variables", json={"name": "A", "value": "1"})
    assert emu.variables(OWNER, REPO, None) == {}
    assert emu.requests[-1].status == 0


def test_lose_response_performs_then_drops(emu: GitHubEmulator, api: Api) -> None:
    emu.add_fault(FaultRule("POST", r"/actions/variables$", kind="lose_response"))
    with pytest.raises(requests.ConnectionError):
        api("POST", f"{R}/actions/variables", json={"name": "A", "value": "1"})
    assert emu.variables(OWNER, REPO, None) == {"A": "1"}
    retry = api("POST", f"{R}/actions/variables", json={"name": "A", "value": "1"})
    assert retry.status_code == 409


def test_body_fault_performs_then_answers_its_own_bytes(emu: GitHubEmulator, api: Api) -> None:
    # A hostile answer is no GitHub answer: not for the contract validator.
    emu.on_request = None
    emu.add_fault(
        FaultRule("POST", r"/actions/variables$", kind="body", status=200, body=b"[[[not json")
    )
    response = api("POST", f"{R}/actions/variables", json={"name": "A", "value": "1"})
    assert (response.status_code, response.content) == (200, b"[[[not json")
    assert response.headers["content-length"] == "11"
    assert emu.variables(OWNER, REPO, None) == {"A": "1"}


def test_skip_lets_the_first_matches_through(emu: GitHubEmulator, api: Api) -> None:
    emu.add_fault(FaultRule("GET", r"/environments$", skip=2, times=1, status=502))
    got = [api("GET", f"{R}/environments").status_code for _ in range(4)]
    assert got == [200, 200, 502, 200]


def test_a_status_fault_may_echo_the_credential(emu: GitHubEmulator, api: Api) -> None:
    emu.add_fault(FaultRule("GET", r"^/user$", status=422, message="bad: {credential}!"))
    assert api("GET", "/user").json()["message"] == f"bad: {TOKEN}!"


def test_primary_limit_exhaustion(emu: GitHubEmulator, api: Api) -> None:
    emu.set_primary_limit(3, remaining=2, reset_in=120)
    first = api("GET", R)
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert first.headers["x-ratelimit-limit"] == "3"
    assert api("GET", R).headers["x-ratelimit-remaining"] == "0"
    blocked = api("GET", R)
    assert blocked.status_code == 403
    assert blocked.headers["x-ratelimit-remaining"] == "0"
    assert blocked.json()["message"].startswith("API rate limit exceeded for user ID ")
    reset = int(blocked.headers["x-ratelimit-reset"])
    assert time.time() < reset <= time.time() + 121
    assert api("GET", "/rate_limit").json()["rate"]["remaining"] == 0  # free, still readable


def test_conditional_304_does_not_spend_primary_limit(emu: GitHubEmulator, api: Api) -> None:
    first = api("GET", f"{R}/environments")
    remaining = int(first.headers["x-ratelimit-remaining"])
    again = api("GET", f"{R}/environments", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert int(again.headers["x-ratelimit-remaining"]) == remaining
    log = emu.requests[-1]
    assert log.conditional and log.was_304
    api("PUT", f"{R}/environments/dev")
    changed = api("GET", f"{R}/environments", headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200


def test_secondary_limit_points_reads_1_writes_5(emu: GitHubEmulator, api: Api) -> None:
    emu.enable_secondary_limit(points_per_window=12, window_seconds=30)
    assert (
        api("POST", f"{R}/actions/variables", json={"name": "A", "value": "1"}).status_code == 201
    )
    assert (
        api("POST", f"{R}/actions/variables", json={"name": "B", "value": "1"}).status_code == 201
    )
    assert api("GET", R).status_code == 200
    assert api("GET", R).status_code == 200  # 12 points spent
    over = api("GET", R)
    assert over.status_code == 403
    assert "secondary rate limit" in over.json()["message"]
    assert 1 <= int(over.headers["retry-after"]) <= 30


def test_secondary_limit_concurrency(emu: GitHubEmulator) -> None:
    emu.enable_secondary_limit(max_concurrent=1)
    emu.set_latency(0.3)
    statuses: list[int] = []

    def call() -> None:
        statuses.append(Api(emu.url)("GET", R).status_code)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses)[0] == 200
    assert statuses.count(403) >= 1


def test_latency_is_injected_per_request(emu: GitHubEmulator, api: Api) -> None:
    emu.set_latency(0.2)
    started = time.monotonic()
    api("GET", "/user")
    # A lower bound on a delay we asked for holds on any machine (no upper bound here).
    assert time.monotonic() - started >= 0.2
