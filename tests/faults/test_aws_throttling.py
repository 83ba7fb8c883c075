"""AWS throttling through real HTTP: botocore's standard retry absorbs a short
burst; a burst longer than its attempts becomes the `aws.throttled` finding."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_proxy import AwsFaultProxy
from integration.helpers import CliRunner

from reconciler.sandbox.runner import Sandbox


@pytest.fixture
def throttle(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[AwsFaultProxy]]:
    """Start proxies in front of the sandbox's moto and point AWS_ENDPOINT_URL at them."""
    started: list[AwsFaultProxy] = []

    def start(operation: str, times: int) -> AwsFaultProxy:
        proxy = AwsFaultProxy(sandbox.aws.endpoint_url, operation, times).__enter__()
        started.append(proxy)
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        return proxy

    yield start  # type: ignore[misc]
    for proxy in started:
        proxy.__exit__(None, None, None)


def _plan(cli: CliRunner) -> dict[str, Any]:
    result = cli("plan", "--format", "json")
    assert "Traceback" not in result.err
    assert result.code == 0, result.out + result.err
    doc: dict[str, Any] = json.loads(result.out)
    return doc


@pytest.mark.parametrize("operation", ["GetRole", "DescribeSecret"])
def test_a_short_throttling_burst_is_absorbed(
    operation: str, cli: CliRunner, throttle: type[AwsFaultProxy]
) -> None:
    proxy = throttle(operation, 2)  # type: ignore[call-arg]
    doc = _plan(cli)
    assert proxy.failed == 2
    assert operation in proxy.forwarded, "the call went through after the burst"
    assert doc["findings"] == []
    assert doc["summary"]["create"] == 23


def test_a_long_throttling_burst_is_a_finding_not_a_crash(
    cli: CliRunner, throttle: type[AwsFaultProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bound a user sets with AWS's own variable; one attempt, so none of
    # botocore's seconds of jittered backoff (the default is 6 attempts).
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    proxy = throttle("GetRole", 10_000)  # type: ignore[call-arg]
    doc = _plan(cli)
    roles = 2 * 3  # two role names in three accounts
    assert proxy.failed == roles, "each GetRole was tried to the bound, and no more"
    codes = {f["code"] for f in doc["findings"]}
    assert codes == {"aws.throttled"}, doc["findings"]
    assert all("Throttling" in f["message"] for f in doc["findings"])
    result = cli("plan", "--detailed-exitcode")
    assert result.code == 2, "a throttled check is drift: it could not be verified"
