"""GitHub's documented semantics: auth, names, validation, reviewers, paging, lifecycle."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from reconciler.sandbox.github import GitHubEmulator, seal

from .conftest import OWNER, REPO, Api, team_id, user_id
from .test_contract import app_jwt, public_pem

R = f"/repos/{OWNER}/{REPO}"


def test_auth_errors_look_like_github(emu: GitHubEmulator, api: Api) -> None:
    missing = api.as_token(None)("GET", R)
    assert missing.status_code == 401
    unknown = api.as_token("nope")("GET", R)
    assert unknown.status_code == 401
    assert unknown.json()["message"] == "Bad credentials"
    assert unknown.json()["status"] == "401"
    emu.add_token("ro", login="reader", write=False)
    assert api.as_token("ro")("GET", R).json()["permissions"]["push"] is False
    assert api.as_token("ro")("PUT", f"{R}/environments/dev").status_code == 403
    emu.add_token("narrow", login="bot", repos=["other"])
    hidden = api.as_token("narrow")("GET", R)
    assert hidden.status_code == 404
    assert hidden.json()["message"] == "Not Found"
    assert api.as_token("narrow")("GET", f"/repos/{OWNER}/other").status_code == 200


def test_token_headers_and_expiry(emu: GitHubEmulator, api: Api) -> None:
    expires = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)
    emu.add_token("fg", login="admin", expires_at=expires, scopes=None)
    response = api.as_token("fg")("GET", "/user")
    assert response.headers["github-authentication-token-expiration"] == "2099-01-02 03:04:05 UTC"
    assert "x-oauth-scopes" not in response.headers
    assert api("GET", "/user").headers["x-oauth-scopes"] == "repo"
    emu.add_token("old", login="admin", expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert api.as_token("old")("GET", "/user").status_code == 401


def test_repository_permissions_reflect_access(emu: GitHubEmulator, api: Api) -> None:
    emu.add_token("carol", login="carol")
    perms = api.as_token("carol")("GET", R).json()["permissions"]
    assert perms == {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True}
    assert api.as_token("carol")("PUT", f"{R}/environments/dev").status_code == 403
    assert api("GET", R).json()["permissions"]["admin"] is True


def test_environment_names_are_case_insensitive_and_url_decoded(api: Api) -> None:
    assert api("PUT", f"{R}/environments/Prod%2FUS").json()["name"] == "Prod/US"
    assert api("PUT", f"{R}/environments/prod%2Fus").json()["name"] == "Prod/US"
    assert api("GET", f"{R}/environments").json()["total_count"] == 1


def test_put_keeps_what_it_does_not_name_and_clears_with_null_or_zero(
    emu: GitHubEmulator, api: Api
) -> None:
    body = {
        "wait_timer": 5,
        "prevent_self_review": True,
        "reviewers": [{"type": "Team", "id": team_id(emu, "ops")}],
        "deployment_branch_policy": {"protected_branches": True, "custom_branch_policies": False},
        "can_admins_bypass": False,
    }
    full = api("PUT", f"{R}/environments/prod", json=body).json()
    assert [r["type"] for r in full["protection_rules"]] == [
        "wait_timer",
        "required_reviewers",
        "branch_policy",
    ]
    assert full["protection_rules"][1]["reviewers"][0]["reviewer"]["slug"] == "ops"
    assert full["can_admins_bypass"] is False
    # Left out: kept, except the admins' bypass, which goes back to GitHub's default.
    bare = api("PUT", f"{R}/environments/prod", json={}).json()
    assert bare["protection_rules"] == full["protection_rules"]
    assert bare["deployment_branch_policy"] == body["deployment_branch_policy"]
    assert bare["can_admins_bypass"] is True
    cleared = {"wait_timer": 0, "reviewers": None, "deployment_branch_policy": None}
    emptied = api("PUT", f"{R}/environments/prod", json=cleared).json()
    assert emptied["protection_rules"] == []
    assert emptied["deployment_branch_policy"] is None


def test_a_new_environment_lets_admins_bypass_and_the_field_is_in_every_answer(
    api: Api,
) -> None:
    created = api("PUT", f"{R}/environments/dev").json()
    assert created["can_admins_bypass"] is True
    assert api("GET", f"{R}/environments/dev").json()["can_admins_bypass"] is True
    listed = api("GET", f"{R}/environments").json()["environments"]
    assert [e["can_admins_bypass"] for e in listed] == [True]
    off = api("PUT", f"{R}/environments/dev", json={"can_admins_bypass": False})
    assert off.json()["can_admins_bypass"] is False
    assert (
        api("PUT", f"{R}/environments/dev", json={"wait_timer": 3}).json()["can_admins_bypass"]
        is True
    )


@pytest.mark.parametrize(
    "body",
    [
        {"unknown": 1},
        {"can_admins_bypass": "no"},
        {"wait_timer": -1},
        {"wait_timer": 43201},
        {"prevent_self_review": True},
        {"deployment_branch_policy": {"protected_branches": True, "custom_branch_policies": True}},
        {
            "deployment_branch_policy": {
                "protected_branches": False,
                "custom_branch_policies": False,
            }
        },
    ],
)
def test_environment_validation_422(api: Api, body: dict[str, object]) -> None:
    response = api("PUT", f"{R}/environments/prod", json=body)
    assert response.status_code == 422
    assert api("GET", f"{R}/environments").json()["total_count"] == 0


def test_more_than_six_reviewers_is_422(emu: GitHubEmulator, api: Api) -> None:
    reviewers = [{"type": "User", "id": emu.add_user(f"u{i}")} for i in range(7)]
    assert api("PUT", f"{R}/environments/prod", json={"reviewers": reviewers}).status_code == 422


def test_reviewers_without_access_are_silently_dropped(emu: GitHubEmulator, api: Api) -> None:
    reviewers = [
        {"type": "Team", "id": team_id(emu, "ops")},
        {"type": "Team", "id": team_id(emu, "outsiders")},  # not granted to the repo
        {"type": "User", "id": user_id(emu, "carol")},
        {"type": "User", "id": user_id(emu, "dave")},  # not a collaborator
    ]
    response = api("PUT", f"{R}/environments/prod", json={"reviewers": reviewers})
    assert response.status_code == 200
    kept = response.json()["protection_rules"][0]["reviewers"]
    assert [(r["type"], r["reviewer"].get("slug") or r["reviewer"]["login"]) for r in kept] == [
        ("Team", "ops"),
        ("User", "carol"),
    ]


def test_nested_teams_inherit_access_and_members(emu: GitHubEmulator, api: Api) -> None:
    """A child team inherits its parent's repositories (the team-repo check and the
    reviewers GitHub keeps say so), the repository's team list names only teams
    granted directly, and a parent's member list includes its child teams' members."""
    oncall = emu.add_team(OWNER, "ops-oncall", ["erin"], parent="ops")
    assert api("GET", f"/orgs/{OWNER}/teams/ops-oncall/repos/{OWNER}/{REPO}").status_code == 204
    assert [t["slug"] for t in api("GET", f"{R}/teams").json()] == ["ops"]
    members = api("GET", f"/orgs/{OWNER}/teams/ops/members").json()
    assert sorted(m["login"] for m in members) == ["alice", "bob", "erin"]
    response = api(
        "PUT", f"{R}/environments/prod", json={"reviewers": [{"type": "Team", "id": oncall}]}
    )
    kept = response.json()["protection_rules"][0]["reviewers"]
    assert [r["reviewer"]["slug"] for r in kept] == ["ops-oncall"]
    # erin reaches the repository through the parent team
    assert api("GET", f"{R}/collaborators/erin/permission").json()["permission"] == "write"


def test_collaborator_permission_needs_push_access(emu: GitHubEmulator, api: Api) -> None:
    emu.add_token("reader-token", login="dave", write=False)
    refused = api.as_token("reader-token")("GET", f"{R}/collaborators/carol/permission")
    assert refused.status_code == 403
    assert refused.json()["message"] == "Must have push access to view collaborator permission."


def test_deleting_an_environment_deletes_its_contents(emu: GitHubEmulator, api: Api) -> None:
    emu.put_environment(OWNER, REPO, "prod", deployment_branch_policy=(False, True))
    emu.set_variable(OWNER, REPO, "prod", "A", "1")
    emu.set_secret(OWNER, REPO, "prod", "S", "x")
    emu.add_branch_policy(OWNER, REPO, "prod", "main")
    assert api("DELETE", f"{R}/environments/PROD").status_code == 204
    emu.put_environment(OWNER, REPO, "prod", deployment_branch_policy=(False, True))
    assert emu.variables(OWNER, REPO, "prod") == {}
    assert emu.secret_value(OWNER, REPO, "prod", "S") is None
    assert emu.branch_policies(OWNER, REPO, "prod") == []


def test_variable_rules(emu: GitHubEmulator, api: Api) -> None:
    base = f"{R}/actions/variables"
    assert api("POST", base, json={"name": "lower_ok", "value": "v"}).status_code == 201
    assert api("POST", base, json={"name": "LOWER_OK", "value": "v"}).status_code == 409
    for bad in ("1ABC", "A-B", "github_token"):
        assert api("POST", base, json={"name": bad, "value": "v"}).status_code == 422
    assert api("GET", f"{base}/lower_ok").json()["name"] == "LOWER_OK"
    assert api("PATCH", f"{base}/lower_ok", json={"value": "w"}).status_code == 204
    assert emu.variables(OWNER, REPO, None) == {"LOWER_OK": "w"}


def test_variables_paginate_with_github_link_header(emu: GitHubEmulator, api: Api) -> None:
    for i in range(31):
        emu.set_variable(OWNER, REPO, None, f"V{i:02d}", "x")
    first = api("GET", f"{R}/actions/variables", params={"per_page": 100})
    assert len(first.json()["variables"]) == 30  # max 30
    assert first.json()["total_count"] == 31
    repo_id = api("GET", R).json()["id"]
    assert f"/repositories/{repo_id}/actions/variables?per_page=30&page=2" in first.headers["link"]
    assert 'rel="last"' in first.headers["link"]
    default = api("GET", f"{R}/actions/variables")
    assert len(default.json()["variables"]) == 10


def test_secret_rules(emu: GitHubEmulator, api: Api) -> None:
    base = f"{R}/actions/secrets"
    key = api("GET", f"{base}/public-key").json()
    ok = {"key_id": key["key_id"], "encrypted_value": seal(key["key"], "v1")}
    assert api("PUT", f"{base}/S", json=ok).status_code == 201
    first = api("GET", f"{base}/S").json()
    assert "value" not in first and "encrypted_value" not in first
    garbage = {"key_id": key["key_id"], "encrypted_value": "AAAA"}
    assert api("PUT", f"{base}/S", json=garbage).status_code == 422
    emu.rotate_public_key(OWNER, REPO)
    assert api("PUT", f"{base}/S", json=ok).status_code == 422  # stale key_id
    assert emu.secret_value(OWNER, REPO, None, "S") == "v1"
    emu.set_secret(OWNER, REPO, None, "S", "v0", updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert api("GET", f"{base}/S").json()["updated_at"] == "2020-01-01T00:00:00Z"


def test_branch_policy_semantics(emu: GitHubEmulator, api: Api) -> None:
    emu.put_environment(OWNER, REPO, "prod", deployment_branch_policy=(True, False))
    bp = f"{R}/environments/prod/deployment-branch-policies"
    assert api("GET", bp).status_code == 404  # not custom_branch_policies
    emu.put_environment(OWNER, REPO, "prod", deployment_branch_policy=(False, True))
    created = api("POST", bp, json={"name": "v*", "type": "tag"})
    assert created.json()["type"] == "tag"
    assert api("POST", bp, json={"name": "v*"}).json()["type"] == "branch"
    dup = api("POST", bp, json={"name": "v*", "type": "tag"}, allow_redirects=False)
    assert dup.status_code == 303
    assert dup.headers["location"].endswith(f"/deployment-branch-policies/{created.json()['id']}")
    assert emu.branch_policies(OWNER, REPO, "prod") == [("tag", "v*"), ("branch", "v*")]


def test_dispatches_are_recorded(emu: GitHubEmulator, api: Api) -> None:
    api("POST", f"{R}/dispatches", json={"event_type": "go", "client_payload": {"a": 1}})
    assert [(d.repo, d.event_type, d.client_payload) for d in emu.dispatches] == [
        (REPO, "go", {"a": 1})
    ]


def test_github_app_installation_token_flow(emu: GitHubEmulator, api: Api) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    emu.add_app(11, public_pem(key), {OWNER: 99})
    app = api.as_token(None)
    app.session.headers["Authorization"] = f"Bearer {app_jwt(key, app_id=11)}"
    assert app("GET", f"{R}/installation").json()["id"] == 99
    issued = app("POST", "/app/installations/99/access_tokens").json()
    assert issued["token"].startswith("ghs_")
    expires = datetime.strptime(issued["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
    installation = api.as_token(issued["token"])
    assert installation("PUT", f"{R}/environments/dev").status_code == 200
    assert "github-authentication-token-expiration" in installation("GET", R).headers
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = api.as_token(None)
    forged.session.headers["Authorization"] = f"Bearer {app_jwt(other_key, app_id=11)}"
    assert forged("GET", f"{R}/installation").status_code == 401
    now = int(time.time())
    expired = jwt.encode({"iat": now - 700, "exp": now - 60, "iss": "11"}, key, "RS256")
    app.session.headers["Authorization"] = f"Bearer {expired}"
    assert app("GET", f"{R}/installation").status_code == 401
    emu.advance_clock(3601)
    assert installation("GET", R).status_code == 401


def test_startup_is_fast_and_stop_leaves_no_threads() -> None:
    before = set(threading.enumerate())
    started = time.perf_counter()
    emulator = GitHubEmulator()
    emulator.start()
    assert time.perf_counter() - started < 0.5
    with emulator:
        pass  # context manager on an already started emulator still stops it
    emulator.add_token("t", login="x")
    assert set(threading.enumerate()) - before == set()


def test_context_manager_serves_and_stops() -> None:
    before = set(threading.enumerate())
    with GitHubEmulator() as emulator:
        emulator.add_token("t", login="x")
        assert Api(emulator.url, "t")("GET", "/user").json()["login"] == "x"
        emulator.reset()
        assert Api(emulator.url, "t")("GET", "/user").status_code == 401
    assert set(threading.enumerate()) - before == set()
