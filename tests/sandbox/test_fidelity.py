"""Where the emulator follows real GitHub rather than its OpenAPI description.

Each behaviour here has its public evidence in docs/emulator-fidelity.md.
Exchanges still go through a contract validator (the `emu` fixture's), with
only the departures that file documents let through.
"""

from __future__ import annotations

import pytest
from contract_support import ContractValidator

from reconciler.sandbox.github import GitHubEmulator

from .conftest import OWNER, REPO, Api, team_id

R = f"/repos/{OWNER}/{REPO}"
PROTECTED = {"reviewers": [{"type": "Team", "id": 0}], "prevent_self_review": True}


def _protected(emu: GitHubEmulator) -> dict[str, object]:
    return {**PROTECTED, "reviewers": [{"type": "Team", "id": team_id(emu, "ops")}]}


@pytest.mark.parametrize("plan", ["team", "pro"])
def test_below_enterprise_a_private_repository_refuses_every_protection_key(
    emu: GitHubEmulator, api: Api, plan: str
) -> None:
    emu.set_plan(OWNER, plan)
    for body in (_protected(emu), {"wait_timer": 0}, {"reviewers": []}, {"wait_timer": 5}):
        refused = api("PUT", f"{R}/environments/prod", json=body)
        assert refused.status_code == 422, body
        assert "billing plan supports the required reviewers" in refused.json()["message"]
    assert emu.environment_names(OWNER, REPO) == []
    # Without those keys an environment, its branch policy and bypass setting are fine.
    plain = {
        "can_admins_bypass": False,
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
    }
    assert api("PUT", f"{R}/environments/dev", json=plain).status_code == 200
    assert emu.environment_names(OWNER, REPO) == ["dev"]


def test_internal_repositories_are_gated_like_private_ones(emu: GitHubEmulator, api: Api) -> None:
    emu.set_plan(OWNER, "team")
    emu.add_repo(OWNER, REPO, visibility="internal")
    assert api("GET", R).json()["visibility"] == "internal"
    assert api("PUT", f"{R}/environments/prod", json={"wait_timer": 1}).status_code == 422


def test_public_repositories_get_every_rule_on_any_plan(emu: GitHubEmulator, api: Api) -> None:
    emu.set_plan(OWNER, "free")
    emu.add_repo(OWNER, REPO, visibility="public")
    answer = api("GET", R).json()
    assert (answer["private"], answer["visibility"]) == (False, "public")
    assert api("PUT", f"{R}/environments/prod", json=_protected(emu)).status_code == 200


def test_free_private_repositories_have_no_environments(emu: GitHubEmulator, api: Api) -> None:
    emu.set_plan(OWNER, "free")
    assert api("PUT", f"{R}/environments/dev").status_code == 404
    assert api("PUT", f"{R}/environments/prod", json=_protected(emu)).status_code == 404
    assert emu.environment_names(OWNER, REPO) == []


def test_enterprise_private_repositories_get_every_rule(emu: GitHubEmulator, api: Api) -> None:
    emu.set_plan(OWNER, "enterprise")
    assert api("PUT", f"{R}/environments/prod", json=_protected(emu)).status_code == 200


def test_only_organization_owners_see_its_plan(emu: GitHubEmulator, api: Api) -> None:
    emu.set_plan(OWNER, "team")
    assert api("GET", f"/orgs/{OWNER}").json()["plan"]["name"] == "team"
    emu.add_token("carol-token", login="carol")
    assert "plan" not in api.as_token("carol-token")("GET", f"/orgs/{OWNER}").json()


def test_an_older_server_refuses_keys_it_predates_and_does_not_report_them(
    emu: GitHubEmulator, api: Api
) -> None:
    emu.forget_environment_keys("can_admins_bypass", "prevent_self_review")
    refused = api("PUT", f"{R}/environments/prod", json={"can_admins_bypass": False})
    assert refused.status_code == 422
    assert refused.json()["message"] == (
        'Invalid request.\n\n"can_admins_bypass" is not a permitted key.'
    )
    assert api("PUT", f"{R}/environments/prod", json=_protected(emu)).status_code == 422
    created = api("PUT", f"{R}/environments/prod", json={"wait_timer": 2})
    assert created.status_code == 200
    assert "can_admins_bypass" not in created.json()
    assert "can_admins_bypass" not in api("GET", f"{R}/environments").json()["environments"][0]


def test_a_server_without_rate_limiting_answers_404_and_sends_no_rate_headers() -> None:
    validator = ContractValidator(rate_limit_headers=False)
    with GitHubEmulator() as emu:
        emu.on_request = validator.record
        emu.add_org(OWNER)
        emu.add_token("t", login="admin")
        emu.disable_rate_limiting()
        api = Api(emu.url, "t")
        answer = api("GET", "/rate_limit")
        assert answer.status_code == 404
        assert answer.json()["message"] == "Rate limiting is not enabled."
        user = api("GET", "/user")
        assert user.status_code == 200
        assert not [h for h in user.headers if h.lower().startswith("x-ratelimit")]
        assert api("GET", f"/orgs/{OWNER}").status_code == 200
    validator.assert_clean()
    assert validator.checked == 3


def test_the_contract_validator_lets_only_a_boolean_can_admins_bypass_through() -> None:
    validator = ContractValidator()
    url = "http://x/repos/o/r/environments/e"
    headers = {"content-type": "application/json"}
    assert validator.request_errors("PUT", url, headers, b'{"can_admins_bypass": false}') == []
    assert validator.request_errors("PUT", url, headers, b'{"can_admins_bypass": "no"}')
    both = b'{"can_admins_bypass": true, "admins": 1}'
    assert validator.request_errors("PUT", url, headers, both)


@pytest.mark.parametrize("reviewers", [None, []])
def test_prevent_self_review_without_reviewers_is_refused_in_githubs_words(
    emu: GitHubEmulator, api: Api, reviewers: list[object] | None
) -> None:
    body: dict[str, object] = {"prevent_self_review": True}
    if reviewers is not None:
        body["reviewers"] = reviewers
    refused = api("PUT", f"{R}/environments/prod", json=body)
    assert refused.status_code == 422
    assert refused.json()["message"] == (
        "Failed to create or update the environment protection rule. Required reviewers "
        "must have at least one reviewer to set prevent_self_review."
    )
    assert emu.environment_names(OWNER, REPO) == []
    # With a reviewer it is accepted, and false without one is fine.
    assert api("PUT", f"{R}/environments/prod", json=_protected(emu)).status_code == 200
    off = {"prevent_self_review": False, "reviewers": []}
    assert api("PUT", f"{R}/environments/dev", json=off).status_code == 200


def test_a_variable_just_created_is_missing_from_the_next_reads_when_reads_lag(
    emu: GitHubEmulator, api: Api
) -> None:
    emu.set_variable_read_lag(2)
    variables = f"{R}/actions/variables"
    assert api("POST", variables, json={"name": "A", "value": "1"}).status_code == 201

    # Two reads miss it (a GET answers 404, as github.com does), the third sees it.
    assert api("GET", variables).json() == {"total_count": 0, "variables": []}
    assert api("GET", f"{variables}/A").status_code == 404
    assert api("GET", f"{variables}/A").json()["value"] == "1"
    assert [v["name"] for v in api("GET", variables).json()["variables"]] == ["A"]
    # The write side knows it all along: creating it again is a conflict.
    assert api("POST", variables, json={"name": "A", "value": "2"}).status_code == 409
    # Off again: a new variable shows at once; the seeded ones never lag.
    emu.set_variable_read_lag(0)
    assert api("POST", variables, json={"name": "B", "value": "1"}).status_code == 201
    assert api("GET", variables).json()["total_count"] == 2


def test_an_api_version_github_does_not_serve_is_refused_with_its_400(
    emu: GitHubEmulator, api: Api
) -> None:
    refused = api("GET", R, headers={"X-GitHub-Api-Version": "1999-01-01"})
    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Bad Request",
        "errors": (
            'The version you specified in the "X-GitHub-API-Version" request header, '
            '"1999-01-01", is not a supported version. The following versions are '
            'currently supported: "2022-11-28" (most recent).'
        ),
        "documentation_url": "https://docs.github.com/rest",
        "status": "400",
    }
    assert "x-github-api-version-selected" not in refused.headers
    # Refused before the credential is looked at.
    assert api.as_token("nope")("GET", R, headers={"X-GitHub-Api-Version": "v3"}).status_code == 400
    named = api("GET", R, headers={"X-GitHub-Api-Version": "2022-11-28"})
    assert named.status_code == 200
    assert named.headers["x-github-api-version-selected"] == "2022-11-28"
    # Without the header GitHub answers with its default version.
    unnamed = api("GET", R)
    assert unnamed.status_code == 200
    assert unnamed.headers["x-github-api-version-selected"] == "2022-11-28"
    logged = [(r.status, r.api_version) for r in emu.requests]
    assert logged == [(400, "1999-01-01"), (400, "v3"), (200, "2022-11-28"), (200, None)]
