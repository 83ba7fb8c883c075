"""Fixtures shared by the integration tests: the sandbox and the CLI.

Every GitHub emulator started through these fixtures reports each request
to one session-wide OpenAPI validator, so every request our client sends
during the suite is checked against GitHub's API description.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
ROOT_CONFIG = ROOT / "environments.yaml"
if str(TESTS) not in sys.path:
    # Appended, not prepended: a tests/ folder must never shadow an installed package.
    sys.path.append(str(TESTS))

from contract_support import ContractValidator  # noqa: E402

from reconciler.cli import main  # noqa: E402
from reconciler.config import load_desired  # noqa: E402
from reconciler.sandbox.aws import AwsSandbox  # noqa: E402
from reconciler.sandbox.runner import Sandbox  # noqa: E402

_FOREIGN_ENV = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_API_URL",
    "GITHUB_APP_ID",
    "GITHUB_APP_PRIVATE_KEY",
    "GITHUB_APP_PRIVATE_KEY_FILE",
    "GITHUB_APP_INSTALLATION_ID",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "XDG_CACHE_HOME",
)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials or endpoints from the machine running the tests leak in."""
    for name in _FOREIGN_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


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

    def make(config: Path = ROOT_CONFIG, *, latency: float = 0.0) -> Sandbox:
        aws_server.reset()
        sandbox = Sandbox(load_desired(config), aws=aws_server, latency=latency)
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


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run `reconcile ARGS...` in this process, as a user would, capturing its output."""

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
