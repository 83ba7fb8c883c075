"""The whole sandbox: the GitHub emulator and moto's AWS, seeded from a config.

Used by `reconcile sandbox` (prints exports, runs until Ctrl-C), by
`reconcile demo` and by the tests and benchmarks.
"""

from __future__ import annotations

import errno
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from reconciler.errors import ReconcileError
from reconciler.model.desired import AwsSecretSource, DesiredState
from reconciler.sandbox.aws import AwsSandbox
from reconciler.sandbox.github import GitHubEmulator
from reconciler.sandbox.github.state import World
from reconciler.sandbox.history import seed_job_history
from reconciler.sandbox.seed import GitHubSeed, seed_github


@dataclass(frozen=True)
class SandboxSnapshot:
    """What a sandbox's GitHub held, and the tokens it was seeded with."""

    github: World
    seed: GitHubSeed


class Sandbox:
    def __init__(
        self,
        desired: DesiredState,
        *,
        port: int = 0,
        latency: float = 0.0,
        aws: AwsSandbox | None = None,
        start_from: SandboxSnapshot | None = None,
    ) -> None:
        """`aws`: an already started AWS sandbox to reuse (tests share one per process).

        `start_from`: GitHub starts as a snapshot of a sandbox of the same config
        left it (`snapshot()`), instead of as a fresh organization.
        """
        self.desired = desired
        self.github = GitHubEmulator(latency=latency, port=port)
        self._owns_aws = aws is None
        self.aws = aws if aws is not None else AwsSandbox()
        self._start_from = start_from
        self._seed: GitHubSeed | None = None

    def start(self) -> Sandbox:
        self.github.start()
        if self._owns_aws:
            self.aws.start()
        try:
            if self._start_from is None:
                self._seed = seed_github(self.github, self.desired)
            else:
                self._seed = self._start_from.seed
            self.aws.prepare(self.desired, self._dispatch_token_values(self._seed))
            if self._start_from is not None:
                # prepare() has just written the secrets' sources again; the
                # snapshot's secrets were written after their sources, and still are.
                self.github.restore(self._start_from.github, secrets_written_now=True)
        except BaseException:
            self.stop()
            raise
        return self

    def snapshot(self) -> SandboxSnapshot:
        """GitHub as it is now, to start another sandbox of the same config from."""
        if self._seed is None:
            raise RuntimeError("start() the sandbox first")
        return SandboxSnapshot(self.github.snapshot(), self._seed)

    def _dispatch_token_values(self, seed: GitHubSeed) -> dict[tuple[str, str], str]:
        """Secrets checked for dispatch hold a token the emulator accepts."""
        values: dict[tuple[str, str], str] = {}
        if self.desired.aws is None:
            return values
        for repo in self.desired.repositories:
            for name, secret in repo.secrets.items():
                token = seed.dispatch_tokens.get(name)
                if token and isinstance(secret.source, AwsSecretSource):
                    account = secret.source.account_id or self.aws.default_account
                    values[(account, secret.source.secret_id)] = token
        return values

    @property
    def token(self) -> str:
        if self._seed is None:
            raise RuntimeError("start() the sandbox first")
        return self._seed.token

    @property
    def read_token(self) -> str:
        """A token that may read every repository and write nothing."""
        if self._seed is None:
            raise RuntimeError("start() the sandbox first")
        return self._seed.read_token

    def env(self) -> dict[str, str]:
        return {"GITHUB_API_URL": self.github.url, "GITHUB_TOKEN": self.token, **self.aws.env()}

    def stop(self) -> None:
        self.github.stop()
        if self._owns_aws:
            self.aws.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run_sandbox(config: Path, *, port: int = 0) -> int:
    from reconciler.config import load_desired

    desired = load_desired(config)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sandbox = Sandbox(desired, port=port)
    try:
        sandbox.start()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise ReconcileError(
            f"cannot start the sandbox on port {port}: it is in use by another program; "
            "choose another --port, or leave --port out for any free port"
        ) from None
    try:
        history = seed_job_history(sandbox.github, desired)
        print(f"# reconcile sandbox for {desired.owner} is running. Paste these lines:")
        for key, value in sandbox.env().items():
            print(f"export {key}={value}")
        print(
            "# A read-only token, as the nightly drift check should have: "
            f"export GITHUB_TOKEN={sandbox.read_token}"
        )
        if history:
            print(
                f"# {len(history)} deployments ran in the last day (one of each case "
                "docs/approvals.md describes): reconcile approvals"
            )
        print("# Then: reconcile plan   (Ctrl-C stops the sandbox)", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a sandbox ends, even right after it printed the exports
    finally:
        sandbox.stop()
    print("sandbox stopped", file=sys.stderr)
    return 0
