"""Expansion of good configs: merges, overrides, placeholders and defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load_desired
from reconciler.model.desired import (
    AwsSecretSource,
    BranchPattern,
    DesiredEnvironment,
    DesiredRepository,
    DesiredState,
    EnvSecretSource,
    IamRoleRef,
    Reviewer,
    SsmParameterRef,
    SsmSecretSource,
)

GOOD = Path(__file__).resolve().parents[1] / "data" / "good"


@pytest.fixture(scope="module")
def state() -> DesiredState:
    return load_desired(GOOD / "overrides.yaml")


def _repo(state: DesiredState, name: str) -> DesiredRepository:
    repo = state.repository(name)
    assert repo is not None
    return repo


def _env(repo: DesiredRepository, name: str) -> DesiredEnvironment:
    env = repo.environment(name)
    assert env is not None
    return env


def test_repositories_and_environments_keep_file_order(state: DesiredState) -> None:
    assert [r.name for r in state.repositories] == ["web", "api"]
    assert [e.name for e in _repo(state, "web").environments] == ["dev", "prod"]
    # Shared environments first, then the repository's own, each in file order.
    assert [e.name for e in _repo(state, "api").environments] == ["dev", "prod", "sandbox"]
    assert state.prune is True
    assert state.aws is not None
    assert dict(state.aws.accounts) == {
        "dev": "111111111111",
        "prod": "333333333333",
        "sandbox": "444444444444",
    }


def test_variables_merge_by_name_over_the_top_level(state: DesiredState) -> None:
    web_dev = _env(_repo(state, "web"), "dev")
    assert web_dev.variables["LOG_LEVEL"] == "debug"
    api_prod = _env(_repo(state, "api"), "prod")
    assert api_prod.variables["LOG_LEVEL"] == "error"
    assert set(api_prod.variables) == {"LOG_LEVEL", "DEPLOY_ROLE", "SITE", "ACCOUNT", "CONFIG_PATH"}
    sandbox = _env(_repo(state, "api"), "sandbox")
    assert sandbox.variables["LOG_LEVEL"] == "info"
    assert sandbox.variables["EXTRA"] == "yes"


def test_placeholders_are_filled(state: DesiredState) -> None:
    web_prod = _env(_repo(state, "web"), "prod")
    assert web_prod.variables["SITE"] == "https://prod.web.example.com/{literal}"
    assert web_prod.variables["ACCOUNT"] == "333333333333"
    assert web_prod.variables["DEPLOY_ROLE"] == IamRoleRef("deploy-web", "333333333333")
    assert web_prod.variables["CONFIG_PATH"] == SsmParameterRef("/web/prod/config", "333333333333")
    api_dev = _env(_repo(state, "api"), "dev")
    assert api_dev.variables["DEPLOY_ROLE"] == IamRoleRef("deploy-api", "111111111111")
    assert _repo(state, "web").variables == {"OWNER_REPO": "Acme/web"}


def test_reviewers_and_branches_replace_not_merge(state: DesiredState) -> None:
    web_prod = _env(_repo(state, "web"), "prod")
    assert web_prod.reviewers == (Reviewer("team", "sre"), Reviewer("user", "alice"))
    assert web_prod.branch_patterns == (
        BranchPattern("branch", "main"),
        BranchPattern("branch", "release/*"),
        BranchPattern("tag", "v*"),
    )
    api_prod = _env(_repo(state, "api"), "prod")
    assert api_prod.reviewers == (Reviewer("user", "bob"),)
    # Only the tags were overridden; the shared branches stay.
    assert api_prod.branch_patterns == (
        BranchPattern("branch", "main"),
        BranchPattern("branch", "release/*"),
        BranchPattern("tag", "api-v*"),
    )
    assert api_prod.wait_timer == 30
    assert api_prod.required_approvals == 2


def test_defaults(state: DesiredState) -> None:
    dev = _env(_repo(state, "web"), "dev")
    assert (dev.prevent_self_review, dev.wait_timer, dev.branch_patterns) == (False, 0, None)
    assert _env(_repo(state, "web"), "prod").prevent_self_review is True
    sandbox = _env(_repo(state, "api"), "sandbox")
    assert (sandbox.required_approvals, sandbox.prevent_self_review) == (1, False)
    assert sandbox.account_id == "444444444444"


def test_secrets(state: DesiredState) -> None:
    web = _repo(state, "web")
    assert web.secrets["NPM_TOKEN"].source == EnvSecretSource("NPM_TOKEN")
    assert web.secrets["SIGNING_KEY"].source == SsmSecretSource(
        "/signing/web/333333333333", "333333333333"
    )
    api_prod = _env(_repo(state, "api"), "prod")
    assert api_prod.secrets["DB_PASSWORD"].source == AwsSecretSource("api/db", "333333333333")
    assert api_prod.secrets["API_KEY"].source == SsmSecretSource("/api/key", "333333333333")
    assert _env(_repo(state, "web"), "prod").secrets.keys() == {"DB_PASSWORD"}
    assert _env(_repo(state, "web"), "dev").secrets == {}


def test_minimal_config() -> None:
    state = load_desired(GOOD / "minimal.yaml")
    assert state == DesiredState(
        owner="octo-org",
        repositories=(DesiredRepository(owner="octo-org", name="lonely", environments=()),),
    )


def test_same_spelling_overrides_and_explicit_self_review(tmp_path: Path) -> None:
    path = tmp_path / "environments.yaml"
    path.write_text(
        "version: 1\n"
        "github: {owner: o}\n"
        "environments:\n"
        "  staging:\n"
        "    required_approvals: 1\n"
        "    reviewers: [team:a]\n"
        "    prevent_self_review: true\n"
        "    deployment_branches: []\n"
        "    variables: {MODE: env}\n"
        "variables: {MODE: top}\n"
        "repositories:\n"
        "  r:\n"
        "    environments:\n"
        "      staging: {required_approvals: 2, variables: {MODE: repo}}\n",
        encoding="utf-8",
    )
    env = load_desired(path).repositories[0].environments[0]
    assert env.name == "staging"
    assert env.required_approvals == 2
    assert env.prevent_self_review is True
    assert env.variables == {"MODE": "repo"}
    # An explicit empty list is a custom policy with no patterns, not "any branch".
    assert env.branch_patterns == ()


@pytest.mark.parametrize(
    ("shared", "override", "expected"),
    [
        ("required_approvals: 0", "{}", None),  # not managed: GitHub's value is kept
        ("required_approvals: 0, admins_bypass: false", "{}", False),
        ("required_approvals: 1, reviewers: [team:a]", "{}", False),  # the safe default
        ("required_approvals: 1, reviewers: [team:a], admins_bypass: true", "{}", True),
        ("required_approvals: 2, reviewers: [team:a]", "{}", False),
        # The repository's layer wins, like every other scalar.
        ("required_approvals: 1, reviewers: [team:a]", "{admins_bypass: true}", True),
        ("required_approvals: 0, admins_bypass: true", "{required_approvals: 0}", True),
    ],
)
def test_admins_bypass_defaults_and_overrides(
    tmp_path: Path, shared: str, override: str, expected: bool | None
) -> None:
    path = tmp_path / "environments.yaml"
    path.write_text(
        "version: 1\n"
        "github: {owner: o}\n"
        f"environments:\n  prod: {{{shared}}}\n"
        f"repositories:\n  r: {{environments: {{prod: {override}}}}}\n",
        encoding="utf-8",
    )
    assert load_desired(path).repositories[0].environments[0].admins_bypass is expected


def test_protected_branches_expand_to_no_patterns_and_the_protected_policy() -> None:
    state = load_desired(GOOD / "protected.yaml")
    web, api = _repo(state, "web"), _repo(state, "api")
    staging = _env(web, "staging")
    assert (staging.protected_branches, staging.branch_patterns) == (True, None)
    assert staging.branch_policy == "protected"
    assert (staging.required_approvals, staging.prevent_self_review) == (1, True)
    assert staging.admins_bypass is True
    web_prod, api_prod = _env(web, "prod"), _env(api, "prod")
    assert web_prod.branch_policy == "custom"
    assert web_prod.branch_patterns == (BranchPattern("branch", "main"), BranchPattern("tag", "v*"))
    # The override's `protected` with `deployment_tags: []` drops the shared patterns.
    assert (api_prod.branch_policy, api_prod.branch_patterns) == ("protected", None)
    assert _env(_repo(state, "web"), "staging") == _env(api, "staging")
