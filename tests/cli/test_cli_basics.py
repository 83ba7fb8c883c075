"""The command line's surface (README.md, "Using it"): version, help, validate, schema, and
that a bad config stops plan/apply before any network access."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest
from integration.helpers import FIXTURE_CONFIG, CliRunner
from isolation import SHIPPED_CONFIG
from ruamel.yaml import YAML

from reconciler import __version__
from reconciler.cli import main

BAD = Path(__file__).resolve().parents[1] / "data" / "bad" / "approvals_3.yaml"
# "file:line:col: message" on the one error line
LOCATED = re.compile(r"^error: (?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): \S")

# Each command and options its --help must mention.
HELP = {
    "validate": ["--config", "--log-format", "--no-color", "--verbose"],
    "schema": ["--log-format"],
    "plan": [
        "--config",
        "--repo",
        "--env",
        "--format",
        "--detailed-exitcode",
        "--out",
        "--concurrency",
        "--no-color",
        "--log-format",
    ],
    "apply": [
        "--config",
        "--repo",
        "--env",
        "--format",
        "--yes",
        "--plan",
        "--force",
        "--audit-log",
        "--concurrency",
    ],
    "export": ["--config", "--repo", "--output"],
    "diff": ["old", "new", "--format"],
    "sandbox": ["--config", "--port"],
    "demo": ["--config"],
}


def _exit_code(args: list[str]) -> int:
    """argparse ends --help and --version with SystemExit, not a return."""
    with pytest.raises(SystemExit) as ended:
        main(args)
    code = ended.value.code
    return 0 if code is None else int(code)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"reconcile {__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", __version__)


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["--help"]) == 0
    out = capsys.readouterr().out
    for command in HELP:
        assert re.search(rf"^\s+{command}\s", out, re.MULTILINE), command
    assert "exit codes:" in out


@pytest.mark.parametrize("command", sorted(HELP))
def test_help_of_each_command(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: reconcile {command}")
    for option in HELP[command]:
        assert option in out, f"`reconcile {command} --help` does not mention {option}"


def test_validate_accepts_the_shipped_config(cli: CliRunner) -> None:
    result = cli("validate", "-c", SHIPPED_CONFIG)
    assert result.code == 0, result.err
    assert "valid" in result.out
    assert "error" not in result.err


def test_validate_rejects_a_bad_config_with_one_located_error(cli: CliRunner) -> None:
    expected = BAD.read_text().splitlines()[0].removeprefix("# expect: ")
    where, _, message = expected.partition(": ")
    result = cli("validate", "-c", BAD)
    assert result.code == 1
    assert result.out == ""
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    located = LOCATED.match(errors[0])
    assert located, errors[0]
    assert Path(located["file"]) == BAD
    assert f"{located['line']}:{located['col']}" == where
    assert message in errors[0]


def _load_yaml(path: Path) -> object:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _schema(cli: CliRunner) -> dict[str, object]:
    result = cli("schema")
    assert result.code == 0, result.err
    schema: dict[str, object] = json.loads(result.out)
    return schema


def test_schema_is_json_schema_that_accepts_the_shipped_config(cli: CliRunner) -> None:
    schema = _schema(cli)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator_class(schema).validate(_load_yaml(SHIPPED_CONFIG))


@pytest.mark.parametrize(
    "edit",
    [
        lambda doc: doc.update(version=2),
        lambda doc: doc["environments"]["prod"].update(required_approvals="two"),
        lambda doc: doc["environments"]["dev"].update(reviewer=["team:x"]),
        lambda doc: doc["aws"]["accounts"].update(dev="1111"),
        lambda doc: doc.pop("repositories"),
    ],
    ids=["version", "approvals-type", "unknown-key", "account-digits", "no-repositories"],
)
def test_schema_rejects_what_validate_rejects(cli: CliRunner, edit: object) -> None:
    schema = _schema(cli)
    doc = _load_yaml(FIXTURE_CONFIG)
    assert callable(edit)
    edit(doc)
    validator_class = jsonschema.validators.validator_for(schema)
    assert list(validator_class(schema).iter_errors(doc)), "the schema accepted a bad document"


@pytest.mark.parametrize("command", [["plan"], ["apply", "--yes"]])
def test_bad_config_fails_before_any_network(
    command: list[str], cli: CliRunner, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_unused")
    result = cli(*command, "-c", BAD)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    assert LOCATED.match(errors[0]) and "required_approvals" in errors[0]
    assert not re.search(r"connect|refused|127\.0\.0\.1", result.err, re.IGNORECASE)


def test_closed_stdout_is_not_a_traceback(tmp_path: Path) -> None:
    """`reconcile schema | head -1`: the reader going away must not print a traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE, deterministically
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "reconciler", "schema"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            timeout=30,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode != 0
