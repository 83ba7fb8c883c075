"""What every test runs inside: no settings, files or network of the machine it runs on.

- No credentials, endpoints, proxies or AWS profile from the environment leak
  in; AWS instance metadata is switched off, also for CLI subprocesses (they
  inherit `os.environ`).
- The working directory is a fresh folder whose `environments.yaml` is the
  fixture copy, so `reconcile plan` without `-c` reads that, never the user's
  root file.
- CLI runs, in-process or in subprocesses, are unpaced with millisecond
  retry back-offs through the documented variables a user has
  (RECONCILE_POINTS_PER_MINUTE=off, RECONCILE_RETRY_BACKOFF; docs/configuration.md).
  Waits GitHub names (Retry-After) are the emulator's, which tests set to 0 s.
  Real pacing and back-off are tested in tests/perf and the pacer's and
  retries' own tests.
- Any connection to, or name lookup of, an address that is not this machine's
  fails, and the test that tried fails with it.
- The standard library's root logger is put back after each test: a CLI run
  in-process installs a stderr handler that must not print a later test's
  library logs (botocore at DEBUG logs response bodies).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli.options import BACKOFF_VARIABLE, POINTS_VARIABLE

TESTS = Path(__file__).resolve().parent
# A copy of the shipped environments.yaml as it was when the tests were written.
# Behaviour tests use this; only tests about the shipped file read the root one.
FIXTURE_CONFIG = TESTS / "data" / "good" / "alphaswarm.yaml"
SHIPPED_CONFIG = TESTS.parent / "environments.yaml"

# The first retry back-off of every CLI run in the tests, in seconds.
RETRY_BACKOFF = "0.001"

_FOREIGN_PREFIXES = ("AWS_", "GITHUB_", "GH_", "RECONCILE_")
_FOREIGN_NAMES = frozenset(
    {"XDG_CACHE_HOME", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "NETRC"}
)

TEST_ENVIRONMENT = {
    "AWS_EC2_METADATA_DISABLED": "true",
    POINTS_VARIABLE: "off",
    BACKOFF_VARIABLE: RETRY_BACKOFF,
}


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The environment and working directory of one test (see the module docstring)."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(_FOREIGN_PREFIXES) or upper in _FOREIGN_NAMES:
            monkeypatch.delenv(name)
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    # Not the user's ~/.aws: a profile there could name SSO or a credential process.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    shutil.copyfile(FIXTURE_CONFIG, workdir / "environments.yaml")
    monkeypatch.chdir(workdir)


@contextmanager
def logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _is_local(host: Any) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX and other non-IP addresses stay on the machine
    name = host.split("%", 1)[0].lower()
    if name == "localhost" or name.endswith(".localhost") or name == "":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class NetworkGuard:
    """Refuses connections and name lookups that would leave the machine, and keeps them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.attempts: list[str] = []

    def _refuse(self, what: str) -> None:
        with self._lock:
            self.attempts.append(what)

    def take(self) -> list[str]:
        with self._lock:
            taken, self.attempts = self.attempts, []
        return taken

    @contextmanager
    def installed(self) -> Iterator[None]:
        patch = pytest.MonkeyPatch()
        original_connect = socket.socket.connect
        original_connect_ex = socket.socket.connect_ex
        original_getaddrinfo = socket.getaddrinfo

        def guard(original: Callable[..., Any]) -> Callable[..., Any]:
            def connect(sock: socket.socket, address: Any) -> Any:
                host = address[0] if isinstance(address, tuple) else address
                if not _is_local(host):
                    self._refuse(f"connect to {address!r}")
                    raise OSError(f"tests must not leave this machine: connect to {address!r}")
                return original(sock, address)

            return connect

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(host, bytes):
                host = host.decode("ascii", "replace")
            if host is not None and not _is_local(host):
                self._refuse(f"name lookup of {host!r}")
                raise socket.gaierror(f"tests must not leave this machine: lookup of {host!r}")
            return original_getaddrinfo(host, *args, **kwargs)

        patch.setattr(socket.socket, "connect", guard(original_connect))
        patch.setattr(socket.socket, "connect_ex", guard(original_connect_ex))
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        try:
            yield
        finally:
            patch.undo()
