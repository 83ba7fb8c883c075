"""Each write and its effect on the emulator's state."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from gh_support import FULL, OWNER, REPO, team_id, user_id

from reconciler.diff.environment import desired_settings
from reconciler.github import (
    GitHubConnection,
    GitHubError,
    GitHubWriter,
    WriteResult,
    observe_repository,
    resolve_identities,
)
from reconciler.model.desired import BranchPattern, DesiredEnvironment, Reviewer
from reconciler.model.observed import Identities, ObservedEnvironment
from reconciler.sandbox.github import GitHubEmulator


def _prod(**overrides: object) -> DesiredEnvironment:
    fields: dict[str, object] = {
        "name": "prod",
        "required_approvals": 2,
        "reviewers": (Reviewer("team", "Platform-Approvers"), Reviewer("user", "OctoCat")),
        "prevent_self_review": True,
        "wait_timer": 7,
        "branch_patterns": (BranchPattern("branch", "main"),),
    }
    fields.update(overrides)
    return DesiredEnvironment(**fields)  # type: ignore[arg-type]


def _put(
    writer: GitHubWriter,
    env: DesiredEnvironment,
    identities: Identities,
    current: ObservedEnvironment | None = None,
) -> WriteResult:
    # The settings a plan's change carries for this environment.
    return writer.put_environment(FULL, env.name, desired_settings(env), identities, current)


@pytest.fixture
def identities(emu: GitHubEmulator, conn: GitHubConnection) -> Identities:
    team_id(emu, "platform-approvers", ("alice", "bob"))
    emu.grant_team(OWNER, "platform-approvers", OWNER, REPO)
    user_id(emu, "octocat")
    emu.add_collaborator(OWNER, REPO, "octocat")
    env = _prod()
    return resolve_identities(conn, OWNER, env.reviewers)


def test_put_environment_writes_reviewers_timer_and_custom_policy(
    emu: GitHubEmulator, conn: GitHubConnection, identities: Identities
) -> None:
    result = _put(GitHubWriter(conn), _prod(), identities)

    assert result.status == 200
    assert result.request_id
    observed = observe_repository(conn, OWNER, REPO).environment("prod")
    assert observed is not None
    assert sorted(r.key for r in observed.reviewers) == ["team:platform-approvers", "user:octocat"]
    assert observed.prevent_self_review is True
    assert observed.wait_timer == 7
    assert observed.branch_policy == "custom"


def test_put_environment_switches_to_protected_branches_only_and_back(
    emu: GitHubEmulator, conn: GitHubConnection, identities: Identities
) -> None:
    writer = GitHubWriter(conn)
    _put(writer, _prod(), identities)
    emu.add_branch_policy(OWNER, REPO, "prod", "main")
    protected = _prod(branch_patterns=None, protected_branches=True)

    _put(writer, protected, identities)

    body = emu.environment_json(OWNER, REPO, "prod")
    assert body is not None
    assert body["deployment_branch_policy"] == {
        "protected_branches": True,
        "custom_branch_policies": False,
    }
    observed = observe_repository(conn, OWNER, REPO).environment("prod")
    assert observed is not None
    # GitHub drops the custom patterns with the switch.
    assert (observed.branch_policy, observed.branch_policies) == ("protected", ())
    _put(writer, _prod(), identities)
    observed = observe_repository(conn, OWNER, REPO).environment("prod")
    assert observed is not None and observed.branch_policy == "custom"


def test_put_environment_without_reviewers_clears_them_and_the_policy(
    emu: GitHubEmulator, conn: GitHubConnection, identities: Identities
) -> None:
    writer = GitHubWriter(conn)
    _put(writer, _prod(), identities)
    plain = _prod(reviewers=(), prevent_self_review=False, wait_timer=0, branch_patterns=None)
    # GitHub keeps a setting a PUT leaves out: the writer must know what to clear.
    current = observe_repository(conn, OWNER, REPO).environment("prod")

    _put(writer, plain, identities, current)

    body = emu.environment_json(OWNER, REPO, "prod")
    assert body is not None
    assert body["deployment_branch_policy"] is None
    assert body["protection_rules"] == []
    observed = observe_repository(conn, OWNER, REPO).environment("prod")
    assert observed is not None and observed.reviewers == () and observed.wait_timer == 0


def test_an_unprotected_environment_names_no_protection_setting(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    dev = _prod(name="dev", required_approvals=0, reviewers=(), prevent_self_review=False)
    dev = replace(dev, wait_timer=0, branch_patterns=None)
    seen: list[bytes] = []
    emu.on_request = lambda rec: seen.append(rec.body)

    _put(GitHubWriter(conn), dev, Identities())

    assert [json.loads(b) for b in seen] == [{"deployment_branch_policy": None}]


def test_the_bypass_is_always_sent_where_managed_and_kept_where_not(
    emu: GitHubEmulator, conn: GitHubConnection, identities: Identities
) -> None:
    writer = GitHubWriter(conn)
    _put(writer, _prod(admins_bypass=False), identities)
    assert emu.environment_json(OWNER, REPO, "prod")["can_admins_bypass"] is False  # type: ignore[index]
    # Not managed (required_approvals 0, not declared): the writer puts back what it read.
    dev = _prod(name="dev", required_approvals=0, reviewers=(), prevent_self_review=False)
    _put(writer, dev, identities)
    emu.set_admins_bypass(OWNER, REPO, "dev", False)
    current = observe_repository(conn, OWNER, REPO).environment("dev")
    assert current is not None and current.can_admins_bypass is False
    _put(writer, replace(dev, wait_timer=9), identities, current)
    assert emu.environment_json(OWNER, REPO, "dev")["can_admins_bypass"] is False  # type: ignore[index]


@pytest.mark.parametrize(
    ("plan", "says"),
    [
        ("team", "4-eyes (required reviewers) cannot be enforced on acme/web on this plan"),
        ("free", "private on GitHub Free, where environments are not available"),
    ],
)
def test_a_plan_without_the_rules_is_one_clear_line(
    emu: GitHubEmulator, conn: GitHubConnection, identities: Identities, plan: str, says: str
) -> None:
    emu.set_plan(OWNER, plan)
    with pytest.raises(GitHubError) as caught:
        _put(GitHubWriter(conn), _prod(), identities)
    text = str(caught.value)
    assert says in text and "environment prod of acme/web" in text
    assert "\n" not in text
    assert emu.environment_names(OWNER, REPO) == []


def test_an_older_server_without_the_bypass_key_names_its_limit(
    emu: GitHubEmulator, conn: GitHubConnection, identities: Identities
) -> None:
    emu.forget_environment_keys("can_admins_bypass")
    with pytest.raises(GitHubError) as caught:
        _put(GitHubWriter(conn), _prod(admins_bypass=False), identities)
    text = str(caught.value)
    assert "does not know the environment setting can_admins_bypass" in text
    assert "older GitHub Enterprise Server" in text
    assert caught.value.status == 422
    assert emu.environment_names(OWNER, REPO) == []


def test_put_environment_refuses_an_unresolved_reviewer(conn: GitHubConnection) -> None:
    with pytest.raises(GitHubError) as caught:
        _put(GitHubWriter(conn), _prod(), Identities())
    assert "does not exist" in str(caught.value)


def test_delete_environment_and_again_is_fine(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    emu.put_environment(OWNER, REPO, "old")
    writer = GitHubWriter(conn)
    assert writer.delete_environment(FULL, "old").status == 204
    assert emu.environment_names(OWNER, REPO) == []
    assert writer.delete_environment(FULL, "old").status == 404


@pytest.mark.parametrize("env", [None, "prod"])
def test_variable_create_update_delete(
    emu: GitHubEmulator, conn: GitHubConnection, env: str | None
) -> None:
    emu.put_environment(OWNER, REPO, "prod")
    writer = GitHubWriter(conn)

    assert writer.create_variable(FULL, env, "ROLE_ARN", "arn:1").status == 201
    assert emu.variables(OWNER, REPO, env) == {"ROLE_ARN": "arn:1"}
    assert writer.update_variable(FULL, env, "ROLE_ARN", "arn:2").status == 204
    assert emu.variables(OWNER, REPO, env) == {"ROLE_ARN": "arn:2"}
    assert writer.delete_variable(FULL, env, "ROLE_ARN").status == 204
    assert emu.variables(OWNER, REPO, env) == {}
    assert writer.delete_variable(FULL, env, "ROLE_ARN").status == 404


def test_create_of_a_variable_with_another_value_is_read_then_patched(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    emu.put_environment(OWNER, REPO, "prod")
    emu.set_variable(OWNER, REPO, "prod", "FLAG", "old")
    emu.clear_requests()

    result = GitHubWriter(conn).create_variable(FULL, "prod", "FLAG", "new")

    assert result.status == 204
    assert result.note is not None and "another value" in result.note
    assert emu.variables(OWNER, REPO, "prod") == {"FLAG": "new"}
    methods = [(r.method, r.status) for r in emu.requests]
    assert methods == [("POST", 409), ("GET", 200), ("PATCH", 204)]


def test_create_of_a_variable_that_already_has_the_value_writes_nothing_more(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    """Another apply (or our own lost answer) made it: one read, no PATCH over it."""
    emu.put_environment(OWNER, REPO, "prod")
    emu.set_variable(OWNER, REPO, "prod", "FLAG", "same")
    emu.clear_requests()

    result = GitHubWriter(conn).create_variable(FULL, "prod", "FLAG", "same")

    assert result.status == 409
    assert result.note is not None and "already existed with this value" in result.note
    assert [(r.method, r.status) for r in emu.requests] == [("POST", 409), ("GET", 200)]


def test_update_of_a_missing_variable_becomes_a_create(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    result = GitHubWriter(conn).update_variable(FULL, None, "FLAG", "on")

    assert result.status == 201
    assert emu.variables(OWNER, REPO, None) == {"FLAG": "on"}


@pytest.mark.parametrize("env", [None, "prod"])
def test_put_secret_seals_the_exact_plaintext_and_caches_the_key(
    emu: GitHubEmulator, conn: GitHubConnection, env: str | None
) -> None:
    emu.put_environment(OWNER, REPO, "prod")
    writer = GitHubWriter(conn)
    plaintext = "p@ss wörd\nline2 ✓"
    emu.clear_requests()

    assert writer.put_secret(FULL, env, "DEPLOY_KEY", plaintext).status == 201
    assert writer.put_secret(FULL, env, "OTHER", "two").status == 201
    assert writer.put_secret(FULL, env, "DEPLOY_KEY", "three").status == 204

    assert emu.secret_value(OWNER, REPO, env, "DEPLOY_KEY") == "three"
    assert emu.secret_value(OWNER, REPO, env, "OTHER") == "two"
    key_reads = [r for r in emu.requests if r.path.endswith("/public-key")]
    assert len(key_reads) == 1
    assert writer.delete_secret(FULL, env, "OTHER").status == 204
    assert emu.secret_names(OWNER, REPO, env) == ["DEPLOY_KEY"]
    assert writer.delete_secret(FULL, env, "OTHER").status == 404


def test_put_secret_refetches_a_rotated_key_once(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    writer = GitHubWriter(conn)
    writer.put_secret(FULL, None, "A", "one")
    emu.rotate_public_key(OWNER, REPO)

    assert writer.put_secret(FULL, None, "A", "two").status in (201, 204)
    assert emu.secret_value(OWNER, REPO, None, "A") == "two"


def test_secret_plaintext_never_reaches_an_error(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    with pytest.raises(GitHubError) as caught:
        GitHubWriter(conn).put_secret(FULL, "no-such-env", "A", "TOPSECRET-VALUE")
    assert "TOPSECRET-VALUE" not in str(caught.value)
    assert "TOPSECRET-VALUE" not in repr(caught.value.__dict__)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_branch_policies_create_duplicate_and_delete(
    emu: GitHubEmulator, conn: GitHubConnection, identities: Identities
) -> None:
    writer = GitHubWriter(conn)
    _put(writer, _prod(), identities)

    assert writer.create_branch_policy(FULL, "prod", BranchPattern("branch", "main")).status == 200
    assert writer.create_branch_policy(FULL, "prod", BranchPattern("tag", "v*")).status == 200
    duplicate = writer.create_branch_policy(FULL, "prod", BranchPattern("branch", "main"))
    assert duplicate.status == 303
    assert duplicate.note == (
        "already existed with this name and type (303 on create); not written again"
    )
    assert emu.branch_policies(OWNER, REPO, "prod") == [("branch", "main"), ("tag", "v*")]

    observed = observe_repository(conn, OWNER, REPO).environment("prod")
    assert observed is not None
    tag = next(p for p in observed.branch_policies if p.type == "tag")
    assert writer.delete_branch_policy(FULL, "prod", tag.id).status == 204
    assert emu.branch_policies(OWNER, REPO, "prod") == [("branch", "main")]
    assert writer.delete_branch_policy(FULL, "prod", tag.id).status == 404
