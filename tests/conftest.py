"""Fixtures shared by the integration tests: the sandbox and the CLI.

Every test runs isolated from the machine (tests/isolation.py): its own
environment, working directory and fast transport settings, and no network
beyond loopback. Every GitHub emulator started through these fixtures reports
each request to one session-wide OpenAPI validator, so every request our
client sends during the suite is checked against GitHub's API description.
"""

from __future__ import annotations

import gc
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# Appended, not prepended: a tests/ folder must never shadow an installed package.
# benchmarks/ too: the tests count requests with its RequestLog.
for _folder in (TESTS, TESTS.parent / "benchmarks"):
    if str(_folder) not in sys.path:
        sys.path.append(str(_folder))

from contract_support import ContractValidator  # noqa: E402
from forked import Forkserver  # noqa: E402
from isolation import (  # noqa: E402
    FIXTURE_CONFIG,
    NetworkGuard,
    isolate,
    logging_restored,
)

from reconciler.cli import main  # noqa: E402
from reconciler.config import load_desired  # noqa: E402
from reconciler.sandbox.aws import AwsSandbox  # noqa: E402
from reconciler.sandbox.runner import Sandbox, SandboxSnapshot  # noqa: E402

_GUARD = NetworkGuard()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Collect garbage less often in the test processes (not in reconcile's own).

    With the interpreter's defaults, garbage collection took 39 of the suite's
    ~260 CPU-seconds: each full collection walked everything the process had
    imported and kept (moto, openapi-core, hypothesis, the session caches),
    300 ms at a time. What exists after collection is frozen out of every
    later pass, and the first generation is collected every 10,000 new
    objects instead of every 700: 17 CPU-seconds now (docs/testing.md,
    "What keeps the suite fast").
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


@pytest.fixture(scope="session", autouse=True)
def _network_guard() -> Iterator[None]:
    with _GUARD.installed():
        yield


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No credentials, endpoints, files or network of the machine running the tests."""
    isolate(monkeypatch, tmp_path)
    _GUARD.take()
    with logging_restored():
        yield
    left = _GUARD.take()
    assert left == [], f"the test tried to leave this machine: {left}"


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="session")
def contract_validator() -> Iterator[ContractValidator]:
    validator = ContractValidator()
    yield validator
    validator.assert_clean()


@pytest.fixture(scope="session")
def forks() -> Iterator[Forkserver]:
    """`reconcile` runs as processes forked from one that imported it (tests/forked.py)."""
    with Forkserver() as server:
        yield server


@pytest.fixture(scope="session")
def aws_server() -> Iterator[AwsSandbox]:
    server = AwsSandbox()
    server.start()
    yield server
    server.stop()


from integration.helpers import CliResult, CliRunner, SandboxFactory  # noqa: E402


@pytest.fixture
def make_sandbox(
    aws_server: AwsSandbox,
    contract_validator: ContractValidator,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SandboxFactory]:
    """Start a sandbox seeded from a config; its exports are set in os.environ."""
    started: list[Sandbox] = []

    def make(
        config: Path = FIXTURE_CONFIG,
        *,
        latency: float = 0.0,
        start_from: SandboxSnapshot | None = None,
    ) -> Sandbox:
        sandbox = Sandbox(
            load_desired(config), aws=aws_server, latency=latency, start_from=start_from
        )
        sandbox.github.on_request = contract_validator.record
        sandbox.start()
        started.append(sandbox)
        for key, value in sandbox.env().items():
            monkeypatch.setenv(key, value)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> Sandbox:
    return make_sandbox()


# What `reconcile apply --yes` of the fixture config left in GitHub, once per worker.
_CONVERGED: list[SandboxSnapshot] = []


@pytest.fixture
def converged(make_sandbox: SandboxFactory, cli: CliRunner) -> Sandbox:
    """A sandbox as `reconcile apply --yes` of the fixture config leaves it.

    The first test of a worker to ask runs that apply; the others start from a
    snapshot of what it left in the emulator (AWS is only ever read). Tests that
    look at the apply itself, or at what it leaves beside GitHub (its ETag
    cache, audit log or lock), run it themselves on `sandbox`.
    """
    if _CONVERGED:
        return make_sandbox(start_from=_CONVERGED[0])
    sandbox = make_sandbox()
    result = cli("apply", "--yes")
    assert result.code == 0, result.out + result.err
    _CONVERGED.append(sandbox.snapshot())
    return sandbox


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run `reconcile ARGS...` in this process, as a user would, capturing its output.

    Unpaced, with millisecond retry back-offs: the documented variables that
    tests/isolation.py sets for every test.
    """

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
