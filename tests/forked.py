"""`reconcile` runs as their own processes, forked from one that has imported it.

A fresh `python -m reconciler apply` spends most of its second of CPU on
imports. The kill sweep starts one for every write position, so this helper
keeps one process per test worker that has imported reconcile once, and
forks it for each run: the child is a real process with its own pid, signals,
file descriptors, working directory and environment, that runs
`reconciler.cli.run()` (what `python -m reconciler` runs) and exits with its
code. Only the interpreter start and the imports are skipped.

    with Forkserver() as forks:
        run = forks.spawn(["apply", "--yes"], cwd=tmp_path, env=os.environ, output=log)
        os.kill(run.pid, signal.SIGKILL)
        code = run.wait(timeout=60)   # as Popen.wait: -9 for SIGKILL
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

# What an apply imports on its way; the child would import them anyway.
_WARM = (
    "reconciler.cli",
    "reconciler.cli.apply",
    "reconciler.cli.plan",
    "reconciler.config",
    "reconciler.run.apply_and_verify",
    "reconciler.run.planning",
    "reconciler.run.audit",
    "reconciler.run.lock",
    "reconciler.github",
    "reconciler.aws",
    "reconciler.render",
)


@dataclass
class ForkedRun:
    pid: int
    _server: Forkserver
    returncode: int | None = None

    def wait(self, timeout: float) -> int:
        """The exit code as `subprocess.Popen.wait` gives it (-N: killed by signal N).

        A run still going after `timeout` s is killed, and TimeoutError raised.
        """
        if self.returncode is None:
            server = self._server
            server._send({"op": "wait", "pid": self.pid})
            if not server._answered(timeout):
                self.kill()
                server._answer(timeout=30)
                raise TimeoutError(f"reconcile (pid {self.pid}) still ran after {timeout} s")
            self.returncode = server._answer(timeout=0)["code"]
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


class Forkserver:
    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Forkserver:
        self._process = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=dict(os.environ),
        )
        self._ask({"op": "ready"}, timeout=60)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            for pipe in (self._process.stdin, self._process.stdout):
                if pipe is not None:
                    pipe.close()
            self._process = None

    def spawn(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        output: Path,
        errors: Path | None = None,
    ) -> ForkedRun:
        """Fork a run of `reconcile ARGV...`: its stdout goes to `output`, its
        stderr to `errors` (to `output` too when None)."""
        request = {
            "op": "spawn",
            "argv": list(argv),
            "cwd": str(cwd),
            "env": dict(env),
            "output": str(output),
            "errors": str(errors) if errors is not None else None,
        }
        return ForkedRun(self._ask(request, timeout=30)["pid"], self)

    def _ask(self, request: dict[str, Any], *, timeout: float) -> dict[str, Any]:
        self._send(request)
        return self._answer(timeout=timeout)

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        return process.stdin, process.stdout

    def _send(self, request: dict[str, Any]) -> None:
        requests, _ = self._pipes()
        requests.write(json.dumps(request).encode() + b"\n")
        requests.flush()

    def _answered(self, timeout: float) -> bool:
        _, answers = self._pipes()
        ready, _, _ = select.select([answers], [], [], timeout)
        return bool(ready)

    def _answer(self, *, timeout: float) -> dict[str, Any]:
        if not self._answered(timeout):
            raise TimeoutError(f"the fork server did not answer in {timeout} s")
        line = self._pipes()[1].readline()
        if not line:
            code = self._process.poll() if self._process is not None else None
            raise RuntimeError(f"the fork server exited (code {code})")
        answer: dict[str, Any] = json.loads(line)
        return answer


def _child(request: dict[str, Any]) -> None:
    """Become `reconcile ARGV...` in this forked process; never returns."""
    code = 1
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        output = os.open(request["output"], flags, 0o600)
        errors = os.open(request["errors"], flags, 0o600) if request["errors"] else output
        nothing = os.open(os.devnull, os.O_RDONLY)
        for source, target in ((nothing, 0), (output, 1), (errors, 2)):
            os.dup2(source, target)
        for fd in {output, errors, nothing}:
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["reconcile", *request["argv"]]
        from reconciler.cli import run

        run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError):
                stream.flush()
    os._exit(code)


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    import importlib

    for name in _WARM:
        importlib.import_module(name)
    for line in requests:
        request = json.loads(line)
        if request["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                requests.close()
                answers.close()
                _child(request)
            answer: dict[str, Any] = {"pid": pid}
        elif request["op"] == "wait":
            _, status = os.waitpid(request["pid"], 0)
            answer = {"code": os.waitstatus_to_exitcode(status)}
        else:
            answer = {"ok": True}
        answers.write(json.dumps(answer).encode() + b"\n")
        answers.flush()


if __name__ == "__main__":
    # Our own pipes, so that a child's fds 0-2 are its own and nothing of ours.
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    _serve(requests, answers)
