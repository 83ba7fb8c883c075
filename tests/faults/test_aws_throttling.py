"""AWS throttling through real HTTP: botocore's standard retry absorbs a short
burst; a burst longer than its attempts becomes the `aws.throttled` finding."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff
from integration.helpers import CliRunner

from reconciler.sandbox.runner import Sandbox

from .aws_proxy import ThrottlingProxy


@pytest.fixture
def throttle(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[ThrottlingProxy]]:
    """Start proxies in front of the sandbox's moto and point AWS_ENDPOINT_URL at them."""
    started: list[ThrottlingProxy] = []

    def start(operation: str, times: int) -> ThrottlingProxy:
        proxy = ThrottlingProxy(sandbox.aws.endpoint_url, operation, times).__enter__()
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
    operation: str, cli: CliRunner, throttle: type[ThrottlingProxy]
) -> None:
    proxy = throttle(operation, 2)  # type: ignore[call-arg]
    doc = _plan(cli)
    assert proxy.throttled == 2
    assert operation in proxy.forwarded, "the call went through after the burst"
    assert doc["findings"] == []
    assert doc["summary"]["create"] == 23


def test_a_long_throttling_burst_is_a_finding_not_a_crash(
    cli: CliRunner, throttle: type[ThrottlingProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same retry decisions, without botocore's seconds of jittered backoff.
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.01)
    proxy = throttle("GetRole", 10_000)  # type: ignore[call-arg]
    doc = _plan(cli)
    # CLIENT_CONFIG asks for max_attempts 5, which botocore counts as retries: 6 calls.
    attempts = 1 + 5
    roles = 2 * 3  # two role names in three accounts
    assert proxy.throttled == roles * attempts, "each GetRole was retried to the bound"
    codes = {f["code"] for f in doc["findings"]}
    assert codes == {"aws.throttled"}, doc["findings"]
    assert all("Throttling" in f["message"] for f in doc["findings"])
    result = cli("plan", "--detailed-exitcode")
    assert result.code == 2, "a throttled check is drift: it could not be verified"
