"""run_export: which repositories, read through the GitHub adapter, written out."""

from __future__ import annotations

import argparse
import io
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.cli.export import resolve_target, run_export
from reconciler.config import load_desired
from reconciler.errors import ReconcileError
from reconciler.export import SECRET_NOTE
from reconciler.model.desired import EnvSecretSource
from reconciler.sandbox.github import GitHubEmulator

OWNER = "acme"
TOKEN = "test-token-export-" + secrets.token_hex(8)
SECRET_VALUE = "s3cr3t-do-not-print"

CONFIG = """\
version: 1
github:
  owner: acme
aws:
  accounts:
    prod: "333333333333"
environments:
  prod:
    required_approvals: 0
repositories:
  web: {}
  api: {}
"""


def _args(tmp_path: Path, *repos: str, **extra: object) -> argparse.Namespace:
    config = tmp_path / "environments.yaml"
    if not config.exists():
        config.write_text(CONFIG, encoding="utf-8")
    values: dict[str, object] = {
        "config": config,
        "repo": list(repos),
        "env": [],
        "owner": None,
        "output": None,
        "concurrency": 4,
    }
    values.update(extra)
    return argparse.Namespace(**values)


@pytest.fixture
def emu() -> Iterator[GitHubEmulator]:
    emulator = GitHubEmulator()  # port 0: an ephemeral port
    emulator.start()
    emulator.add_org(OWNER)
    emulator.add_token(TOKEN, login="deployer")
    try:
        yield emulator
    finally:
        emulator.stop()


def _seed(emu: GitHubEmulator) -> None:
    for name in ("web", "api"):
        emu.add_repo(OWNER, name)
    team = emu.add_team(OWNER, "platform-approvers", ("alice", "bob"))
    for name in ("web", "api"):
        emu.grant_team(OWNER, "platform-approvers", OWNER, name)
        emu.put_environment(
            OWNER,
            name,
            "prod",
            prevent_self_review=True,
            reviewers=[("Team", team)],
            deployment_branch_policy=(False, True),
            can_admins_bypass=False,
        )
        emu.add_branch_policy(OWNER, name, "prod", "main")
        emu.set_variable(
            OWNER, name, "prod", "AWS_DEPLOYER_ROLE_ARN", "arn:aws:iam::333333333333:role/apply"
        )
        emu.put_environment(OWNER, name, "dev")
    emu.put_environment(OWNER, "web", "staging", deployment_branch_policy=(True, False))
    emu.set_secret(OWNER, "web", "prod", "DB_PASSWORD", SECRET_VALUE)
    emu.set_secret(OWNER, "api", None, "PLATFORM_DISPATCH_TOKEN", SECRET_VALUE)
    emu.set_variable(OWNER, "api", None, "REGION", "eu-west-1")


def _environ(emu: GitHubEmulator) -> dict[str, str]:
    return {"GITHUB_API_URL": emu.url, "GITHUB_TOKEN": TOKEN}


def test_resolve_target_from_the_config(tmp_path: Path) -> None:
    target = resolve_target(_args(tmp_path))
    assert target.owner == "acme"
    assert target.repositories == ("web", "api")
    assert dict(target.aws_accounts) == {"prod": "333333333333"}


def test_resolve_target_owner_and_repo_flags_win(tmp_path: Path) -> None:
    target = resolve_target(_args(tmp_path, "other", owner="someone"))
    assert (target.owner, target.repositories) == ("someone", ("other",))
    # Given both, the config is not needed at all.
    missing = argparse.Namespace(**{**vars(_args(tmp_path, "x", owner="o")), "config": Path("no")})
    assert resolve_target(missing).repositories == ("x",)


def test_resolve_target_repo_with_owner_needs_no_config(tmp_path: Path) -> None:
    args = _args(tmp_path, "octo/one", "octo/two", "octo/one", config=tmp_path / "absent.yaml")
    target = resolve_target(args)
    assert (target.owner, target.repositories) == ("octo", ("one", "two"))


def test_resolve_target_owner_flag_with_config_repositories(tmp_path: Path) -> None:
    target = resolve_target(_args(tmp_path, owner="elsewhere"))
    assert (target.owner, target.repositories) == ("elsewhere", ("web", "api"))


@pytest.mark.parametrize(
    ("repos", "owner", "message"),
    [
        (["a/x", "b/y"], None, "more than one owner"),
        (["a/x"], "b", "more than one owner"),
        (["bad name"], "acme", "not a valid repository name"),
        (["x"], "-bad-", "not a valid GitHub user"),
    ],
)
def test_resolve_target_refuses(
    tmp_path: Path, repos: list[str], owner: str | None, message: str
) -> None:
    with pytest.raises(ReconcileError, match=message):
        resolve_target(_args(tmp_path, *repos, owner=owner))


def test_exports_live_state_that_loads_back(emu: GitHubEmulator, tmp_path: Path) -> None:
    _seed(emu)
    out = tmp_path / "exported.yaml"
    code = run_export(_args(tmp_path, output=out), environ=_environ(emu))
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert SECRET_VALUE not in text
    assert TOKEN not in text

    desired = load_desired(out)
    assert desired.owner == "acme"
    assert desired.aws is not None
    assert dict(desired.aws.accounts) == {"prod": "333333333333"}
    web, api = desired.repository("web"), desired.repository("api")
    assert web is not None
    assert api is not None
    prod = web.environment("prod")
    assert prod is not None
    assert prod.required_approvals == 2
    assert [str(r) for r in prod.reviewers] == ["team:platform-approvers"]
    assert prod.branch_patterns is not None
    assert [p.name for p in prod.branch_patterns] == ["branch:main"]
    assert prod.variables == {"AWS_DEPLOYER_ROLE_ARN": "arn:aws:iam::333333333333:role/apply"}
    assert prod.secrets["DB_PASSWORD"].source == EnvSecretSource("RECONCILE_WEB_PROD_DB_PASSWORD")
    staging = web.environment("staging")
    assert staging is not None
    assert (staging.branch_policy, staging.branch_patterns) == ("protected", None)
    assert api.environment("staging") is None
    assert api.variables == {"REGION": "eu-west-1"}
    assert api.secrets["PLATFORM_DISPATCH_TOKEN"].source == EnvSecretSource(
        "RECONCILE_API_PLATFORM_DISPATCH_TOKEN"
    )
    assert text.count(SECRET_NOTE) == 2


def test_writes_to_stdout_and_honours_env_filter(emu: GitHubEmulator, tmp_path: Path) -> None:
    _seed(emu)
    stdout = io.StringIO()
    args = _args(tmp_path, "api", owner=OWNER, env=["DEV"])
    assert run_export(args, environ=_environ(emu), stdout=stdout) == 0
    text = stdout.getvalue()
    desired = load_desired(_write(tmp_path, text))
    api = desired.repository("api")
    assert api is not None
    assert [e.name for e in api.environments] == ["dev"]
    # --env leaves repository-level items out, as plan does.
    assert api.variables == {}
    assert api.secrets == {}


def test_missing_repository_is_a_clear_error(emu: GitHubEmulator, tmp_path: Path) -> None:
    with pytest.raises(ReconcileError, match=r"acme/ghost not found"):
        run_export(_args(tmp_path, "ghost", owner=OWNER), environ=_environ(emu))


def test_without_credentials_nothing_is_read(tmp_path: Path) -> None:
    with pytest.raises(ReconcileError, match="no GitHub credentials"):
        run_export(_args(tmp_path), environ={})


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "from-stdout.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_console_command_writes_the_file(
    emu: GitHubEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.cli import main

    _seed(emu)
    for key, value in _environ(emu).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITHUB_APP_ID", raising=False)
    config = _args(tmp_path).config
    out = tmp_path / "cli.yaml"
    assert main(["export", "-c", str(config), "--log-format", "json", "-o", str(out)]) == 0
    assert {r.name for r in load_desired(out).repositories} == {"web", "api"}
    assert main(["export", "-c", str(config), "--repo", "ghost", "-o", str(out)]) == 1


def test_resolve_target_owner_prefix_is_case_insensitive_and_checked_against_config(
    tmp_path: Path,
) -> None:
    assert resolve_target(_args(tmp_path, "ACME/web", owner="acme")).owner == "acme"
    # No --owner: the config's owner must match the prefixed one.
    assert resolve_target(_args(tmp_path, "Acme/web", "api")).repositories == ("web", "api")
    with pytest.raises(ReconcileError, match="more than one owner"):
        resolve_target(_args(tmp_path, "other/web", "api"))
