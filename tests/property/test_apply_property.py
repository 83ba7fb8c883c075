"""Property (issue 5): for random live states and random valid configs, apply then
plan is empty, and no item outside the plan was touched.

Each example seeds a fresh GitHub emulator, writes the generated config as YAML
(so the real loader reads it) and drives the real CLI in-process.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from contract_support import ContractValidator
from hypothesis import HealthCheck, event, given, settings
from integration.helpers import CliRunner

from reconciler.sandbox.github import GitHubEmulator

from .scenarios import Scenario, scenarios
from .world import WriteRecorder, item, seed, snapshot, unmanaged, written_item

# Each example seeds an emulator and runs plan, apply and plan.
pytestmark = pytest.mark.slow


def _plan(cli: CliRunner, config: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = cli("plan", "-c", config, "--format", "json", *extra)
    assert result.code in (0, 2), result.err
    doc: dict[str, Any] = json.loads(result.out)
    return result.code, doc


def _source_variable(scenario: Scenario, key: tuple[str, str, str | None, str]) -> str:
    """The `{env: VAR}` a declared secret reads."""
    _, repository, env, name = key
    declared = scenario.declared[repository.split("/")[1]]
    scope = declared.secrets if env is None else declared.environments[env].secrets
    return scope[name]


def _bucket(n: int) -> str:
    return "0" if n == 0 else "1-9" if n < 10 else "10+"


def _check_example(
    scenario: Scenario,
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    validator: ContractValidator,
    workdir: Path,
) -> None:
    config = workdir / "environments.yaml"
    config.write_text(scenario.yaml(), encoding="utf-8")
    for key, value in scenario.environ.items():
        monkeypatch.setenv(key, value)
    # A fresh request cache per example: a later emulator may reuse an earlier port.
    monkeypatch.setenv("XDG_CACHE_HOME", str(workdir / "cache"))
    with GitHubEmulator() as emulator:
        seeded = seed(emulator, scenario)
        monkeypatch.setenv("GITHUB_API_URL", emulator.url)
        monkeypatch.setenv("GITHUB_TOKEN", seeded.token)
        recorder = WriteRecorder(validator.record)
        emulator.on_request = recorder

        code, first = _plan(cli, config)
        assert code == 0, first
        assert not [f for f in first["findings"] if f["severity"] == "error"], first["findings"]
        assert recorder.writes == [], "plan wrote to GitHub"
        before = snapshot(emulator, scenario)

        event(f"prune: {scenario.prune}")
        event(f"changes: {_bucket(len(first['changes']))}")
        event(f"deletes: {_bucket(first['summary']['delete'])}")
        event(f"unmanaged: {_bucket(len(first['unmanaged']))}")
        force = ("--force",) if first["summary"]["delete"] else ()
        applied = cli("apply", "-c", config, "--yes", *force)
        assert applied.code == 0, applied.out + applied.err

        code, second = _plan(cli, config, "--detailed-exitcode")
        assert (code, second["changes"]) == (0, []), second

        planned = {
            item(c["resource"], c["repository"], c["environment"], c["name"])
            for c in first["changes"]
        }
        touched = [(r.method, r.url, written_item(r, seeded.policy_names)) for r in recorder.writes]
        outside = [(m, u) for m, u, key in touched if key not in planned]
        assert outside == [], f"writes outside the plan {sorted(planned)}"
        assert bool(touched) == bool(first["changes"])

        after = snapshot(emulator, scenario)
        for change in first["changes"]:
            if change["resource"].endswith("secret") and change["action"] == "create":
                secret = item(
                    change["resource"], change["repository"], change["environment"], change["name"]
                )
                assert after[secret] == scenario.environ[_source_variable(scenario, secret)]
        left_alone = unmanaged(before, scenario)
        if scenario.prune:
            assert not set(left_alone) & set(after), "prune left undeclared items"
        else:
            assert {k: after.get(k) for k in left_alone} == left_alone


@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_apply_then_plan_is_empty_and_touches_only_the_plan(
    scenario: Scenario,
    cli: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    contract_validator: ContractValidator,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _check_example(scenario, cli, monkeypatch, contract_validator, Path(tmp))
