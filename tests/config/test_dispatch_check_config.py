"""`check: {repository_dispatch: REPO, expiry_warning_days: N}` from file to DispatchCheck."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.config import ConfigError, load_desired
from reconciler.model.desired import DesiredState, DispatchCheck

ROOT = Path(__file__).resolve().parents[2]

TEMPLATE = """\
version: 1
github: {{owner: Alpha-Swarm-ai}}
environments:
  prod:
    required_approvals: 0
    secrets:
      ENV_TOKEN:
        env: ENV_TOKEN
        check: {{repository_dispatch: alphaswarm_platform{env_extra}}}
repositories:
  alphaswarm_admin:
    secrets:
      TOKEN:
        env: TOKEN
        check: {{repository_dispatch: alphaswarm_platform{extra}}}
"""


def _load(tmp_path: Path, extra: str = "", env_extra: str = "") -> DesiredState:
    path = tmp_path / "environments.yaml"
    path.write_text(TEMPLATE.format(extra=extra, env_extra=env_extra), encoding="utf-8")
    return load_desired(path)


def _checks(state: DesiredState) -> tuple[DispatchCheck | None, DispatchCheck | None]:
    repo = state.repository("alphaswarm_admin")
    assert repo is not None
    env = repo.environment("prod")
    assert env is not None
    return repo.secrets["TOKEN"].check, env.secrets["ENV_TOKEN"].check


def test_expiry_warning_days_defaults_to_14(tmp_path: Path) -> None:
    repo_check, env_check = _checks(_load(tmp_path))
    expected = DispatchCheck("Alpha-Swarm-ai/alphaswarm_platform", expiry_warning_days=14)
    assert repo_check == expected
    assert env_check == expected


@pytest.mark.parametrize("days", [1, 30, 365])
def test_expiry_warning_days_is_carried_into_the_check(tmp_path: Path, days: int) -> None:
    extra = f", expiry_warning_days: {days}"
    repo_check, env_check = _checks(_load(tmp_path, extra, ", expiry_warning_days: 7"))
    assert repo_check == DispatchCheck("Alpha-Swarm-ai/alphaswarm_platform", days)
    assert env_check is not None
    assert env_check.expiry_warning_days == 7


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be between 1 and 365 days, not 0"),
        ("366", "must be between 1 and 365 days, not 366"),
        ("-3", "must be between 1 and 365 days, not -3"),
        ('"14"', "must be a whole number"),
        ("true", "must be a whole number"),
        ("1.5", "must be a whole number"),
    ],
)
def test_bad_expiry_warning_days(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, f", expiry_warning_days: {value}")
    error = caught.value
    assert error.line == 15
    assert "'check.expiry_warning_days' in secret 'TOKEN'" in error.message
    assert message in error.message


def test_misspelt_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, ", expiry_warn_days: 30")
    assert "unknown key 'expiry_warn_days'" in caught.value.message
    assert "expiry_warning_days" in caught.value.message


def test_schema_file_describes_the_field() -> None:
    schema = json.loads((ROOT / "environments.schema.json").read_text(encoding="utf-8"))
    check = schema["$defs"]["DispatchCheckSettings"]["properties"]["expiry_warning_days"]
    assert (check["type"], check["minimum"], check["maximum"], check["default"]) == (
        "integer",
        1,
        365,
        14,
    )
    assert check["description"]
