"""A canary secret value must never surface (issue 7; docs/security.md, "Secret handling").

A distinctive value is the source of two secrets (one `{env: VAR}`, one
`aws_secret` in the AWS sandbox) and flows through plan, apply, export, every
renderer, the audit log and the failure paths, with debug and JSON logs on.
Afterwards neither it nor the GitHub token may appear in any output, in any
file the runs wrote, or anywhere under the per-test cache directory.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from integration.helpers import ADMIN, FIXTURE_CONFIG, OWNER, PLATFORM, CliResult, CliRunner

from reconciler.sandbox import runner as sandbox_runner
from reconciler.sandbox import seed as sandbox_seed
from reconciler.sandbox.github import FaultRule
from reconciler.sandbox.runner import Sandbox

LOGS = ("-v", "--log-format", "json")
AWS_ACCOUNT = "333333333333"
AWS_SECRET_ID = "canary/source"

CONFIG = f"""\
version: 1
github:
  owner: {OWNER}
aws:
  region: us-east-1
  read_role: aqp-reconciler-read
  accounts:
    dev: "111111111111"
    prod: "{AWS_ACCOUNT}"
prune: false
environments:
  dev:
    required_approvals: 0
    secrets:
      CANARY_FROM_ENV: {{env: CANARY_SOURCE}}
  prod:
    required_approvals: 0
variables:
  AWS_DEPLOYER_ROLE_ARN: {{iam_role: aqp-gha-apply}}
repositories:
  {PLATFORM}: {{}}
  {ADMIN}:
    secrets:
      CANARY_FROM_AWS:
        aws_secret: {AWS_SECRET_ID}
        account: prod
"""


class Witness:
    """Collects every output and remembers what must never be in them."""

    def __init__(self, forbidden: dict[str, str]) -> None:
        self.forbidden = forbidden  # label -> text
        self.outputs: list[tuple[str, str]] = []

    def run(self, cli: CliRunner, label: str, *args: str | Path) -> CliResult:
        result = cli(*args)
        self.outputs.append((f"{label} stdout", result.out))
        self.outputs.append((f"{label} stderr", result.err))
        assert "Traceback" not in result.err, result.err
        return result

    def check(self, *roots: Path, inputs: Path | None = None) -> None:
        """No forbidden text in the outputs or in any file under `roots` but `inputs`."""
        leaks = [
            (what, where)
            for where, text in self.outputs
            for what, value in self.forbidden.items()
            if value in text
        ]
        for root in roots:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                if inputs is not None and path.is_relative_to(inputs):
                    continue
                data = path.read_bytes()
                leaks += [
                    (what, str(path))
                    for what, value in self.forbidden.items()
                    if value.encode() in data
                ]
        assert leaks == [], f"leaked: {leaks}"


def _canary() -> str:
    return f"CANARY-{uuid.uuid4().hex}"


@pytest.fixture
def canary_sandbox(
    make_sandbox: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Sandbox, Path, str]:
    config = tmp_path / "environments.yaml"
    config.write_text(CONFIG)
    sandbox: Sandbox = make_sandbox(config)  # type: ignore[operator]
    canary = _canary()
    monkeypatch.setenv("CANARY_SOURCE", canary)
    sandbox.aws.put_secret_value(AWS_ACCOUNT, AWS_SECRET_ID, canary)
    return sandbox, config, canary


def test_the_canary_never_surfaces(
    cli: CliRunner, canary_sandbox: tuple[Sandbox, Path, str], tmp_path: Path
) -> None:
    sandbox, config, canary = canary_sandbox
    out = tmp_path / "out"
    out.mkdir()
    witness = Witness({"canary": canary, "github token": sandbox.token})
    c = ("-c", config)

    for fmt in ("text", "json", "markdown"):
        planned = witness.run(
            cli, f"plan {fmt}", "plan", *c, *LOGS, "--format", fmt, "--out", out / f"{fmt}.json"
        )
        assert planned.code == 0, planned.err
    applied = witness.run(
        cli, "apply", "apply", "--yes", *c, *LOGS, "--audit-log", out / "audit.jsonl"
    )
    assert applied.code == 0, applied.out + applied.err
    # The canary really flowed: GitHub holds it, sealed on the way.
    assert sandbox.github.secret_value(OWNER, ADMIN, None, "CANARY_FROM_AWS") == canary
    assert sandbox.github.secret_value(OWNER, PLATFORM, "dev", "CANARY_FROM_ENV") == canary
    for fmt in ("text", "json", "markdown"):
        converged = witness.run(cli, f"converged {fmt}", "plan", *c, *LOGS, "--format", fmt)
        assert converged.code == 0, converged.err
    exported = witness.run(cli, "export", "export", *c, *LOGS, "-o", out / "export.yaml")
    assert exported.code == 0, exported.err
    assert witness.run(cli, "export stdout", "export", *c, *LOGS).code == 0

    # Failure path 1: a secret PUT GitHub refuses, in every output format.
    sandbox.github.delete_secret(OWNER, ADMIN, None, "CANARY_FROM_AWS")
    for fmt in ("text", "json", "markdown"):
        rule = FaultRule("PUT", r"/secrets/", status=400)
        sandbox.github.add_fault(rule)
        failed = witness.run(
            cli,
            f"failing apply {fmt}",
            "apply",
            "--yes",
            *c,
            *LOGS,
            "--format",
            fmt,
            "--audit-log",
            out / "audit.jsonl",
        )
        assert failed.code == 1, failed.out + failed.err
        assert rule.fired == 1
        assert "canary_from_aws" in (failed.out + failed.err).lower()

    # Failure path 2: a stale saved plan.
    saved = out / "saved.json"
    assert witness.run(cli, "saved plan", "plan", *c, *LOGS, "--out", saved).code == 0
    sandbox.github.delete_secret(OWNER, PLATFORM, "dev", "CANARY_FROM_ENV")
    stale = witness.run(cli, "stale apply", "apply", "--yes", *c, *LOGS, "--plan", saved)
    assert stale.code == 1 and "stale" in stale.err
    assert witness.run(cli, "recovery", "apply", "--yes", *c, *LOGS).code == 0
    assert sandbox.github.secret_value(OWNER, PLATFORM, "dev", "CANARY_FROM_ENV") == canary

    witness.check(tmp_path)


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_a_literal_secret_in_the_config_is_not_echoed(
    command: str, cli: CliRunner, canary_sandbox: tuple[Sandbox, Path, str], tmp_path: Path
) -> None:
    sandbox, _, canary = canary_sandbox
    inputs = tmp_path / "input"
    inputs.mkdir()
    bad = inputs / "bad.yaml"
    bad.write_text(
        CONFIG.replace("CANARY_FROM_ENV: {env: CANARY_SOURCE}", f'CANARY_FROM_ENV: "{canary}"')
    )
    witness = Witness({"canary": canary, "github token": sandbox.token})
    result = witness.run(cli, command, command, "-c", bad, *LOGS)
    assert result.code == 1
    assert "CANARY_FROM_ENV" in result.err, "the error names the secret, not its value"
    witness.check(tmp_path, inputs=inputs)


def test_the_demo_never_shows_its_dispatch_token(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The demo's PLATFORM_DISPATCH_TOKEN source (in its AWS sandbox) is a canary."""
    canary_hex = uuid.uuid4().hex
    token_hex = uuid.uuid4().hex
    # The sandbox makes its tokens with secrets.token_hex: 16 bytes for the API
    # token, 12 for a dispatch token, which it also stores as the AWS secret.
    fake = SimpleNamespace(token_hex=lambda n: canary_hex if n == 12 else token_hex)
    monkeypatch.setattr(sandbox_seed, "_random", fake)
    made: list[Sandbox] = []
    original_start = sandbox_runner.Sandbox.start

    def start(self: Sandbox) -> Sandbox:
        made.append(self)
        return original_start(self)

    monkeypatch.setattr(sandbox_runner.Sandbox, "start", start)
    witness = Witness({"canary": canary_hex, "github token": token_hex})
    result = witness.run(cli, "demo", "demo", "-c", FIXTURE_CONFIG, *LOGS)
    assert result.code == 0, result.out + result.err
    assert "PLATFORM_DISPATCH_TOKEN deleted" in result.out
    (demo,) = made
    written = demo.github.secret_value(OWNER, ADMIN, None, "PLATFORM_DISPATCH_TOKEN")
    assert written is not None and canary_hex in written, "the canary reached GitHub"
    witness.check(tmp_path, Path(os.environ["XDG_CACHE_HOME"]).parent)
