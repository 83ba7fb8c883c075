"""GitHub's documented limits at their edges (issue 11, item 10).

The files one past each limit live in tests/data/bad; these are the files that
sit exactly on a limit, which `validate` must accept.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import ConfigError, load_desired
from reconciler.model.limits import (
    MAX_ENVIRONMENT_SECRETS,
    MAX_ENVIRONMENT_VARIABLES,
    MAX_REPOSITORY_SECRETS,
    MAX_REPOSITORY_VARIABLES,
    MAX_VALUE_BYTES,
)

HEAD = "version: 1\ngithub: {owner: Alpha-Swarm-ai}\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(HEAD + text, encoding="utf-8")
    return path


def _mapping(indent: int, entries: list[str]) -> str:
    return "".join(f"{' ' * indent}{entry}\n" for entry in entries)


def test_the_limits_are_githubs() -> None:
    # GitHub's "Variables reference" and "Secrets reference".
    assert (MAX_ENVIRONMENT_VARIABLES, MAX_REPOSITORY_VARIABLES) == (100, 500)
    assert (MAX_ENVIRONMENT_SECRETS, MAX_REPOSITORY_SECRETS) == (100, 100)
    assert MAX_VALUE_BYTES == 48 * 1024


def test_an_environment_with_exactly_100_variables_and_secrets(tmp_path: Path) -> None:
    shared = [f"SHARED_{i}: x" for i in range(60)]
    # An override of an inherited name replaces it: it is not one more.
    own = [f"OWN_{i}: y" for i in range(40)] + ["SHARED_0: replaced"]
    secrets = [f"S_{i}: {{env: SRC_{i}}}" for i in range(100)]
    path = _write(
        tmp_path,
        "variables:\n"
        + _mapping(2, shared)
        + "environments:\n  dev:\n    required_approvals: 0\n    variables:\n"
        + _mapping(6, own)
        + "    secrets:\n"
        + _mapping(6, secrets)
        + "repositories: {a: {}}\n",
    )
    env = load_desired(path).repositories[0].environments[0]
    assert len(env.variables) == 100 and len(env.secrets) == 100


def test_a_repository_with_exactly_500_variables_and_100_secrets(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "repositories:\n  a:\n    variables:\n"
        + _mapping(6, [f"V_{i}: v" for i in range(500)])
        + "    secrets:\n"
        + _mapping(6, [f"S_{i}: {{env: SRC_{i}}}" for i in range(100)]),
    )
    repo = load_desired(path).repositories[0]
    assert len(repo.variables) == 500 and len(repo.secrets) == 100


def test_a_value_of_exactly_48_kb_counts_bytes_not_characters(tmp_path: Path) -> None:
    # Two bytes of UTF-8 per character: 24 Ki characters are exactly 48 KB.
    fits = "é" * (MAX_VALUE_BYTES // 2)
    path = _write(tmp_path, f'repositories:\n  a:\n    variables: {{BLOB: "{fits}"}}\n')
    assert load_desired(path).repositories[0].variables["BLOB"] == fits

    path = _write(tmp_path, f'repositories:\n  a:\n    variables: {{BLOB: "{fits}é"}}\n')
    with pytest.raises(ConfigError, match=r"is 49,154 bytes, over GitHub's limit of 48 KB"):
        load_desired(path)


def test_a_shared_value_is_measured_with_each_environments_placeholders(tmp_path: Path) -> None:
    # '{env}' is 5 characters: 'dev' fits, 'production' is 7 bytes longer.
    value = "v" * (MAX_VALUE_BYTES - 3) + "{env}"
    path = _write(
        tmp_path,
        f'variables:\n  URL: "{value}"\n'
        "environments:\n  dev: {required_approvals: 0}\n"
        "  production: {required_approvals: 0}\n"
        "repositories: {a: {}}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_desired(path)
    assert caught.value.line == 4
    assert "once its placeholders are filled for environment 'production' of repository 'a'" in (
        caught.value.message
    )
