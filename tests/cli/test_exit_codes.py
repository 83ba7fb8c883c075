"""Exit codes as a shell or a nightly job sees them: a typo is 1, only drift is 2;
an unreachable GitHub fails at once with one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from integration.helpers import FIXTURE_CONFIG, CliRunner, run_reconcile

from reconciler.cli.exits import EXIT_CODES, ExitCode
from reconciler.sandbox.github import FaultRule
from reconciler.sandbox.runner import Sandbox

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--detailed-exitcode", "--formt", "json"],
        ["plan", "--detailed-exitcode", "--format", "yaml"],
        ["plan", "--detailed-exitcode", "--concurrency", "abc"],
        ["plan", "--detailed-exitcode", "--concurrency", "0"],
        ["plna", "--detailed-exitcode"],
        ["schema", "-c", "environments.yaml"],
        ["diff", "-c", "environments.yaml", "old.yaml", "new.yaml"],
        [],
    ],
    ids=[
        "typo-option",
        "bad-format",
        "concurrency-abc",
        "concurrency-0",
        "typo-command",
        "schema-c",
        "diff-c",
        "none",
    ],
)
def test_a_mistyped_command_line_exits_1_not_2(args: list[str], tmp_path: Path) -> None:
    proc = run_reconcile(*args, cwd=tmp_path)
    assert proc.returncode == ExitCode.ERROR, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("usage: reconcile"), proc.stderr
    assert re.search(r"^reconcile[ a-z]*: error: ", proc.stderr, re.MULTILINE), proc.stderr


def test_concurrency_says_what_it_needs(tmp_path: Path) -> None:
    proc = run_reconcile("plan", "--concurrency", "0", cwd=tmp_path)
    assert "argument --concurrency: 0 is less than 1" in proc.stderr


def _readme_table() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\d+)` \| (.+?) \|$", section, re.MULTILINE)
    return [(int(code), meaning) for code, meaning in rows]


def test_the_readme_shows_the_one_table_of_exit_codes() -> None:
    assert _readme_table() == [(int(code), meaning) for code, meaning in EXIT_CODES]


def test_help_prints_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    from reconciler.cli import main

    for args in (["--help"], ["plan", "--help"], ["apply", "--help"]):
        with pytest.raises(SystemExit):
            main(args)
        out = capsys.readouterr().out
        table = out.split("exit codes:\n", 1)[1]
        codes = [int(m) for m in re.findall(r"^  (\d+) ", table, re.MULTILINE)]
        assert codes == [int(code) for code, _ in EXIT_CODES], out


def test_drift_is_the_only_2(sandbox: Sandbox, cli: CliRunner) -> None:
    result = cli("plan", "-c", FIXTURE_CONFIG, "--detailed-exitcode")
    assert result.code == ExitCode.DRIFT, result.err
    assert cli("plan", "-c", FIXTURE_CONFIG).code == ExitCode.OK


def test_unreachable_github_is_one_line_and_no_retries(tmp_path: Path, closed_port: int) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "GITHUB_API_URL": f"http://127.0.0.1:{closed_port}",
        "GITHUB_TOKEN": "unused-" + "x" * 8,
        "AWS_EC2_METADATA_DISABLED": "true",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    proc = run_reconcile(
        "plan", "-c", str(FIXTURE_CONFIG), "--detailed-exitcode", cwd=tmp_path, env=env
    )
    assert proc.returncode == ExitCode.ERROR
    assert proc.stderr.splitlines() == [
        f"error: cannot reach {env['GITHUB_API_URL']} while reading the rate limit: "
        "ConnectionRefusedError: [Errno 111] Connection refused"
    ]


def test_a_retried_request_is_one_line_of_ours(sandbox: Sandbox, cli: CliRunner) -> None:
    sandbox.github.add_fault(FaultRule("GET", r"/environments$", times=1, status=502))
    result = cli("plan", "-c", FIXTURE_CONFIG, "--log-format", "json")
    assert result.code == ExitCode.OK, result.err
    assert "Retrying (" not in result.err
    retries = [line for line in result.err.splitlines() if "retrying a GitHub request" in line]
    assert len(retries) == 1, result.err
    assert '"after": 502' in retries[0]
