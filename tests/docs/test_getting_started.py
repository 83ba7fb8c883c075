"""docs/getting-started.md shows real runs: every `$ command` of its console
blocks is run, in order, as a reader would type it (a real `reconcile sandbox`
process, bash, the installed console script), and its output must be the one
shown. A line `...` in the doc stands for lines left out; ports and the
sandbox token are the only parts that may differ."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "getting-started.md"
BLOCK = re.compile(r"^```(?P<kind>console|text)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
VOLATILE = (
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"sandbox_(read_)?[0-9a-f]{16,}"), "sandbox_TOKEN"),
)
# What $EDITOR does in the walkthrough: the two edits its `diff` then shows.
EDITOR_SCRIPT = r"""#!/bin/sh
sed -i -e 's/^    reviewers: \[team:platform-approvers\]$/&\n    wait_timer: 5/' \
       -e 's/^  AWS_PLAN_ROLE_ARN: .*$/&\n  LOG_LEVEL: info/' "$1"
"""


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


def _console_steps(text: str) -> list[Step]:
    steps: list[Step] = []
    for block in BLOCK.finditer(text):
        if block["kind"] != "console":
            continue
        for line in block["body"].splitlines():
            if line.startswith("$ "):
                steps.append(Step(line[2:]))
            elif steps:
                steps[-1].expected.append(line)
    return steps


def _demo_excerpt(text: str) -> list[str]:
    """The ```text block right after `make demo`: an excerpt of the demo's output."""
    after = text.split("make demo\n```", 1)[1]
    block = BLOCK.search(after)
    assert block is not None and block["kind"] == "text"
    return block["body"].splitlines()


def _normal(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        normal = line
        for pattern, replacement in VOLATILE:
            normal = pattern.sub(replacement, normal)
        out.append(normal.rstrip())
    return out


def _matches(shown: list[str], actual: list[str], *, anywhere: bool = False) -> bool:
    """`shown` with each `...` line standing for any number of lines of `actual`."""
    any_lines = r"(?:[^\n]*\n)*?"
    pattern = "".join(
        any_lines if line.strip() == "..." else re.escape(line) + r"\n" for line in _normal(shown)
    )
    if anywhere:
        pattern = any_lines + pattern + any_lines
    text = "".join(line + "\n" for line in _normal(actual))
    return re.fullmatch(pattern, text) is not None


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


class _Sandbox:
    """`.venv/bin/reconcile sandbox` in a terminal of its own."""

    def __init__(self, command: str, cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(self.proc.stdout, self._lines), daemon=True).start()
        self.printed: list[str] = []
        while not self.printed or not self.printed[-1].startswith("# Then:"):
            line = self._lines.get(timeout=60)
            assert line is not None, f"the sandbox exited early: {self.printed}"
            self.printed.append(line.rstrip("\n"))

    @property
    def exports(self) -> dict[str, str]:
        pairs = (line.removeprefix("export ").split("=", 1) for line in self.printed)
        return {k: v for k, v in (p for p in pairs if len(p) == 2)}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def reader_dir(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A clone as a reader has it: environments.yaml, and .venv/bin with reconcile."""
    (tmp_path / "environments.yaml").write_text(
        (ROOT / "environments.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    editor = tmp_path / "editor.sh"
    editor.write_text(EDITOR_SCRIPT, encoding="utf-8")
    editor.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "EDITOR": str(editor),
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_COLOR": "1",
    }
    yield tmp_path, env


def test_every_console_block_is_what_a_run_prints(
    reader_dir: tuple[Path, dict[str, str]],
) -> None:
    cwd, env = reader_dir
    steps = _console_steps(DOC.read_text(encoding="utf-8"))
    assert len(steps) >= 10
    sandbox: _Sandbox | None = None
    try:
        for step in steps:
            if step.command.endswith("reconcile sandbox"):
                sandbox = _Sandbox(step.command, cwd, env)
                env.update(sandbox.exports)
                actual = sandbox.printed
            elif step.command.startswith((". .venv/bin/activate", "export ")):
                actual = []  # what terminal 2 does by hand: the sandbox's exports are set
            else:
                done = subprocess.run(
                    ["bash", "-c", step.command],
                    cwd=cwd,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
                assert "Traceback" not in done.stderr, done.stderr
                actual = done.stdout.splitlines()
            assert _matches(step.expected, actual), (
                f"$ {step.command}\n--- the doc shows:\n"
                + "\n".join(step.expected)
                + "\n--- a real run prints:\n"
                + "\n".join(actual)
            )
    finally:
        if sandbox is not None:
            sandbox.stop()


def test_the_demo_excerpt_is_what_the_demo_prints(
    reader_dir: tuple[Path, dict[str, str]],
) -> None:
    cwd, env = reader_dir
    done = subprocess.run(
        [".venv/bin/reconcile", "demo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    excerpt = _demo_excerpt(DOC.read_text(encoding="utf-8"))
    assert _matches(excerpt, done.stdout.splitlines(), anywhere=True), done.stdout


def test_the_matcher_fails_on_a_wrong_line() -> None:
    actual = ["a", "b", "c", "d"]
    assert _matches(["a", "...", "d"], actual)
    assert _matches(["a", "b", "..."], actual)
    assert not _matches(["a", "...", "c"], actual)
    assert not _matches(["a", "x", "..."], actual)
    assert not _matches(["b", "..."], actual)
    assert _matches(["b", "c"], actual, anywhere=True)
    assert not _matches(["b", "d"], actual, anywhere=True)
