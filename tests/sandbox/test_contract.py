"""Every path and method of the OpenAPI subset, driven and validated against the spec."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import jwt
import pytest
from contract_support import (
    COMMON_HEADERS,
    ContractValidator,
    canonical_path,
    load_spec,
    operations,
)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from openapi_spec_validator import validate

from reconciler.sandbox.github import GitHubEmulator, RequestRecord, seal

from .conftest import OWNER, REPO, Api, team_id, user_id
from .issues_contract import drive_issues

R = f"/repos/{OWNER}/{REPO}"
E = f"{R}/environments/prod%2Fus"
APP_ID = 4242
INSTALLATION = 777


def app_jwt(key: rsa.RSAPrivateKey, app_id: int = APP_ID, lifetime: int = 540) -> str:
    now = int(time.time())
    return jwt.encode({"iat": now - 30, "exp": now + lifetime, "iss": str(app_id)}, key, "RS256")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def drive_everything(emu: GitHubEmulator, api: Api, key: rsa.RSAPrivateKey) -> None:
    """Happy and documented error paths for every operation, in a realistic order."""
    ops, carol = team_id(emu, "ops"), user_id(emu, "carol")
    emu.add_app(APP_ID, public_pem(key), {OWNER: INSTALLATION}, slug="gate-keeper")
    assert api("GET", R).status_code == 200
    assert api("GET", f"/repos/{OWNER}/missing").status_code == 404
    assert api("GET", f"{R}/environments").status_code == 200
    body = {
        "wait_timer": 30,
        "prevent_self_review": True,
        "reviewers": [{"type": "Team", "id": ops}, {"type": "User", "id": carol}],
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
        # Real GitHub takes it though the description does not (emulator-fidelity.md).
        "can_admins_bypass": False,
    }
    assert api("PUT", E, json=body).status_code == 200
    assert api("PUT", E, json={"wait_timer": 99999}).status_code == 422
    assert api("PUT", f"{R}/environments/staging").status_code == 200
    assert api("GET", E).status_code == 200
    assert api("GET", f"{R}/environments").status_code == 200
    assert api("GET", f"{R}/environments/nope").status_code == 404
    # branch policies
    bp = f"{E}/deployment-branch-policies"
    created = api("POST", bp, json={"name": "main", "type": "branch"})
    assert created.status_code == 200
    assert api("POST", bp, json={"name": "main"}, allow_redirects=False).status_code == 303
    assert (
        api(
            "POST", f"{R}/environments/staging/deployment-branch-policies", json={"name": "x"}
        ).status_code
        == 404
    )
    pid = created.json()["id"]
    assert api("GET", bp).status_code == 200
    assert api("GET", f"{bp}/{pid}").status_code == 200
    assert api("PUT", f"{bp}/{pid}", json={"name": "release/*"}).status_code == 200
    assert api("DELETE", f"{bp}/{pid}").status_code == 204
    # custom protection rules
    rules = f"{E}/deployment_protection_rules"
    rule = api("POST", rules, json={"integration_id": APP_ID})
    assert rule.status_code == 201
    assert api("GET", rules).status_code == 200
    assert api("GET", f"{rules}/{rule.json()['id']}").status_code == 200
    assert api("DELETE", f"{rules}/{rule.json()['id']}").status_code == 204
    # variables at both levels
    for base in (f"{R}/actions/variables", f"{E}/variables"):
        assert api("POST", base, json={"name": "role_arn", "value": "a"}).status_code == 201
        assert api("POST", base, json={"name": "ROLE_ARN", "value": "b"}).status_code == 409
        assert api("POST", base, json={"name": "GITHUB_X", "value": "b"}).status_code == 422
        assert api("GET", base).status_code == 200
        assert api("GET", f"{base}/Role_Arn").status_code == 200
        assert api("PATCH", f"{base}/ROLE_ARN", json={"value": "c"}).status_code == 204
        assert api("DELETE", f"{base}/ROLE_ARN").status_code == 204
        assert api("GET", f"{base}/ROLE_ARN").status_code == 404
    # secrets at both levels
    for base in (f"{R}/actions/secrets", f"{E}/secrets"):
        pk = api("GET", f"{base}/public-key").json()
        payload = {"key_id": pk["key_id"], "encrypted_value": seal(pk["key"], "s3cret")}
        assert api("PUT", f"{base}/TOKEN", json=payload).status_code == 201
        assert api("PUT", f"{base}/token", json=payload).status_code == 204
        stale = {"key_id": "1", "encrypted_value": payload["encrypted_value"]}
        assert api("PUT", f"{base}/TOKEN", json=stale).status_code == 422
        assert api("GET", base).status_code == 200
        assert api("GET", f"{base}/TOKEN").status_code == 200
        assert api("DELETE", f"{base}/TOKEN").status_code == 204
    # repository-level reads and actions
    assert api("POST", f"{R}/dispatches", json={"event_type": "deploy"}).status_code == 204
    assert api("POST", f"{R}/dispatches", json={"event_type": ""}).status_code == 422
    assert api("GET", f"{R}/collaborators/carol/permission").status_code == 200
    assert api("GET", f"{R}/collaborators/nobody/permission").status_code == 404
    emu.add_token("read-only-token", login="dave", write=False)
    reader = api.as_token("read-only-token")
    assert reader("GET", f"{R}/collaborators/carol/permission").status_code == 403
    # OIDC subject templates (deployments-and-runs.subset.json)
    oidc = "actions/oidc/customization/sub"
    assert api("GET", f"{R}/{oidc}").json()["use_default"] is True
    emu.set_oidc_subject(OWNER, REPO, use_default=False, include_claim_keys=["repo", "context"])
    assert api("GET", f"{R}/{oidc}").status_code == 200
    emu.set_oidc_subject(OWNER, REPO, use_default=False, immutable=True)
    assert "@" in api("GET", f"{R}/{oidc}").json()["sub_claim_prefix"]
    assert api("GET", f"/repos/{OWNER}/missing/{oidc}").status_code == 404
    emu.set_org_oidc_subject(OWNER, ["repository_owner_id", "repository_id", "context"])
    assert api("GET", f"/orgs/{OWNER}/{oidc}").status_code == 200
    assert api("GET", f"/orgs/nope/{oidc}").status_code == 404
    assert api("GET", f"{R}/teams").status_code == 200
    drive_deployments_and_runs(emu, api)
    # accounts
    assert api("GET", f"/orgs/{OWNER}").status_code == 200
    assert api("GET", "/orgs/nope").status_code == 404
    assert api("GET", f"/orgs/{OWNER}/teams/ops").status_code == 200
    assert api("GET", f"/orgs/{OWNER}/teams/nope").status_code == 404
    assert api("GET", f"/orgs/{OWNER}/teams/ops/members").status_code == 200
    team_repo = f"/orgs/{OWNER}/teams/ops/repos/{OWNER}/{REPO}"
    assert api("GET", team_repo).status_code == 204
    media = {"Accept": "application/vnd.github.v3.repository+json"}
    assert api("GET", team_repo, headers=media).status_code == 200
    assert api("GET", f"/orgs/{OWNER}/teams/ops/repos/{OWNER}/other").status_code == 404
    # A child team answers for the access it inherits from its parent.
    emu.add_team(OWNER, "ops-oncall", ["erin"], parent="ops")
    inherited = api("GET", f"/orgs/{OWNER}/teams/ops-oncall/repos/{OWNER}/{REPO}", headers=media)
    assert inherited.json()["permissions"]["push"] is True
    assert api("GET", f"/orgs/{OWNER}/teams/ops-oncall").json()["parent"]["slug"] == "ops"
    assert api("GET", "/users/alice").status_code == 200
    assert api("GET", "/users/nobody").status_code == 404
    assert api("GET", "/user").status_code == 200
    assert api.as_token(None)("GET", "/user").status_code == 401
    assert api("GET", "/rate_limit").status_code == 200
    etag = api("GET", "/user").headers["etag"]
    assert api("GET", "/user", headers={"If-None-Match": etag}).status_code == 304
    # GitHub App
    app = api.as_token(None)
    app.session.headers["Authorization"] = f"Bearer {app_jwt(key)}"
    assert app("GET", f"{R}/installation").status_code == 200
    assert app("GET", "/repos/elsewhere/x/installation").status_code == 404
    token = app("POST", f"/app/installations/{INSTALLATION}/access_tokens")
    assert token.status_code == 201
    assert app("POST", "/app/installations/1/access_tokens").status_code == 404
    bad = api.as_token(None)
    bad.session.headers["Authorization"] = f"Bearer {app_jwt(key, lifetime=3600)}"
    assert bad("POST", f"/app/installations/{INSTALLATION}/access_tokens").status_code == 401
    drive_issues(emu, api)
    # teardown
    assert api("DELETE", E).status_code == 204
    assert api("DELETE", E).status_code == 404


def drive_deployments_and_runs(emu: GitHubEmulator, api: Api) -> None:
    """What `reconcile approvals` reads, with the states real GitHub adds to the
    description: a status `waiting`, a review `skipped`, the `created` search syntax."""
    env = "prod/us"
    done = emu.record_job(OWNER, REPO, env, actor="carol", reviews=[("approved", "alice")])
    bypassed = emu.record_job(OWNER, REPO, env, actor="carol", reviews=[("skipped", "admin")])
    waiting = emu.record_job(OWNER, REPO, env, actor="dave", outcome="waiting")
    listed = api("GET", f"{R}/deployments", params={"environment": env, "per_page": 1})
    assert listed.status_code == 200 and 'rel="next"' in listed.headers["link"]
    assert api("GET", f"{R}/deployments", params={"environment": "nope"}).json() == []
    assert api("GET", f"{R}/deployments/{done.deployment_id}").status_code == 200
    assert api("GET", f"{R}/deployments/999999").status_code == 404
    statuses = api("GET", f"{R}/deployments/{waiting.deployment_id}/statuses")
    assert [s["state"] for s in statuses.json()] == ["waiting"]
    assert api("GET", f"{R}/deployments/999999/statuses").status_code == 404
    run = api("GET", f"{R}/actions/runs/{done.run_id}").json()
    search = {"head_sha": run["head_sha"], "created": f"<={run['updated_at']}"}
    found = api("GET", f"{R}/actions/runs", params=search).json()
    assert [r["id"] for r in found["workflow_runs"]] == [done.run_id]
    assert api("GET", f"{R}/actions/runs", params={"created": "2020-01-01..*"}).status_code == 200
    assert api("GET", f"{R}/actions/runs/999999").status_code == 404
    pending = api("GET", f"{R}/actions/runs/{waiting.run_id}/pending_deployments").json()
    assert [p["environment"]["name"] for p in pending] == [env]
    assert api("GET", f"{R}/actions/runs/{done.run_id}/pending_deployments").json() == []
    reviews = api("GET", f"{R}/actions/runs/{done.run_id}/approvals").json()
    assert [(r["state"], r["user"]["login"]) for r in reviews] == [("approved", "alice")]
    skipped = api("GET", f"{R}/actions/runs/{bypassed.run_id}/approvals").json()
    assert [r["state"] for r in skipped] == ["skipped"]
    assert api("GET", f"{R}/actions/runs/999999/approvals").status_code == 404


def test_every_operation_is_served_and_matches_the_spec(
    emu: GitHubEmulator, api: Api, validator: ContractValidator, rsa_key: rsa.RSAPrivateKey
) -> None:
    seen: list[RequestRecord] = []

    def both(rec: RequestRecord) -> None:
        seen.append(rec)
        validator.record(rec)

    emu.on_request = both
    drive_everything(emu, api, rsa_key)
    validator.assert_clean()
    succeeded = {(rec.method, _template_of(rec)) for rec in seen if 200 <= rec.status < 300}
    missing = [op for op in operations() if op not in succeeded]
    assert not missing, f"operations never answered with success: {missing}"


def _template_of(rec: RequestRecord) -> str:
    segments = canonical_path(urlsplit(rec.url).path).split("/")
    for template, item in load_spec()["paths"].items():
        parts = template.split("/")
        if (
            rec.method.lower() in item
            and len(parts) == len(segments)
            and all(p == s or p.startswith("{") for p, s in zip(parts, segments, strict=True))
        ):
            # The literal "public-key" path wins over the {secret_name} template.
            if "{secret_name}" in template and segments[-1] == "public-key":
                continue
            return template
    return "?"


def test_validator_reports_a_response_that_breaks_the_schema() -> None:
    validator = ContractValidator()
    url = "http://127.0.0.1:1/repos/o/r/actions/variables/X"
    headers = dict.fromkeys((*COMMON_HEADERS, "etag"), "1")
    headers["content-type"] = "application/json"
    good = b'{"name":"X","value":"v","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}'
    assert validator.response_errors("GET", url, {}, b"", 200, headers, good) == []
    broken = b'{"name":"X","created_at":"2024-01-01T00:00:00Z"}'
    assert validator.response_errors("GET", url, {}, b"", 200, headers, broken)
    assert validator.response_errors(
        "GET", url, {}, b"", 200, {"content-type": "application/json"}, good
    )
    bad_request = validator.request_errors(
        "PUT",
        "http://x/repos/o/r/environments/e",
        {"content-type": "application/json"},
        b'{"nope": 1}',
    )
    assert bad_request


def _answered_get(url: str, body: object, **headers: str) -> RequestRecord:
    """A GET answered 200 with `body` as JSON and the headers GitHub always sends."""
    return RequestRecord(
        method="GET",
        url=url,
        headers={},
        body=b"",
        status=200,
        response_headers=dict.fromkeys(COMMON_HEADERS, "1")
        | {"content-type": "application/json", "etag": "1"}
        | headers,
        response_body=json.dumps(body).encode(),
    )


def _variable_answer(
    port: int, stamp: str, *, etag: str = "1", value: bool = True
) -> RequestRecord:
    body = {"name": "X", "created_at": stamp, "updated_at": stamp}
    if value:
        body["value"] = f"http://127.0.0.1:{port}/x"
    url = f"http://127.0.0.1:{port}/repos/o/r/actions/variables/X"
    return _answered_get(url, body, etag=etag)


def test_a_verdict_is_reused_only_for_an_exchange_that_checks_the_same() -> None:
    """The session validator remembers what it found; the port, a valid
    timestamp and the values of undeclared headers do not change a verdict,
    while anything else the checks read is checked afresh, failures included."""
    validator = ContractValidator()
    validator.record(_variable_answer(1001, "2024-01-01T00:00:00Z"))
    validator.record(_variable_answer(2002, "2025-06-30T12:34:56Z", etag="2"))
    assert (validator.checked, validator.reused, validator.failures) == (2, 1, [])

    validator.record(_variable_answer(1001, "2024-13-45T00:00:00Z"))
    assert validator.reused == 1
    assert len(validator.failures) == 1, "an invalid date-time is not a valid one"

    broken = _variable_answer(1001, "2024-01-01T00:00:00Z", value=False)
    validator.record(broken)
    validator.record(broken)
    assert validator.reused == 2
    assert len(validator.failures) == 3, "a remembered failure is reported each time"

    headerless = _variable_answer(1001, "2024-01-01T00:00:00Z")
    del headerless.response_headers["etag"]
    validator.record(headerless)
    assert validator.reused == 2
    assert "missing header etag" in str(validator.failures[-1])


def _secret_put(port: int, encrypted: str, key_id: str) -> RequestRecord:
    headers = dict.fromkeys(COMMON_HEADERS, "1") | {"content-type": "application/json"}
    return RequestRecord(
        method="PUT",
        url=f"http://127.0.0.1:{port}/repos/o/r/actions/secrets/TOKEN",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"encrypted_value": encrypted, "key_id": key_id}).encode(),
        status=204,
        response_headers=headers,
        response_body=b"",
    )


def test_sealed_values_and_key_ids_check_as_any_other_valid_one() -> None:
    """Each sandbox seals with its own random key: a valid base64 value and any
    key id check the same, and an invalid value is still checked, and fails."""
    validator = ContractValidator()
    validator.record(_secret_put(1001, "c2VhbGVkLW9uZQ==", "1234567890"))
    validator.record(_secret_put(2002, "YW5vdGhlci1zZWFsZWQtdmFsdWU=", "9876543210"))
    assert (validator.checked, validator.reused, validator.failures) == (2, 1, [])
    validator.record(_secret_put(1001, "not base64!", "1234567890"))
    assert validator.reused == 1
    assert len(validator.failures) == 1


def _listing(query: str, answer: dict[str, object]) -> RequestRecord:
    return _answered_get(f"http://127.0.0.1:1001/repos/o/r/environments{query}", answer)


def test_a_request_is_checked_once_whatever_the_answers() -> None:
    """The same request met by a new answer: only the answer is checked again,
    and a request that fails its check fails with every answer."""
    empty = {"total_count": 0, "environments": []}
    wrong = {"total_count": "none", "environments": []}
    validator = ContractValidator()
    validator.record(_listing("?per_page=100", empty))
    validator.record(_listing("?per_page=100", wrong))
    assert (validator.reused, validator.requests_reused) == (0, 1)
    assert [f.where for f in validator.failures] == ["response"]

    validator.record(_listing("?per_page=many", empty))
    validator.record(_listing("?per_page=many", wrong))
    assert validator.requests_reused == 2
    assert [f.where for f in validator.failures].count("request") == 2


def test_the_vendored_description_is_valid_openapi() -> None:
    """The validator trusts the description (checking it in every test process
    cost a second of CPU each); this checks it, once."""
    validate(load_spec())


def _rate_limit_answer(remaining: object, reset: object, header: str = "4947") -> RequestRecord:
    counters = {"limit": 5000, "remaining": remaining, "reset": reset, "used": 0}
    search = {"limit": 30, "remaining": 30, "reset": 1796560074, "used": 0}
    body = {"resources": {"core": counters, "search": search}, "rate": counters}
    url = "http://127.0.0.1:1001/rate_limit"
    return _answered_get(url, body, **{"x-ratelimit-remaining": header})


def test_rate_limit_counters_check_as_any_other_integer() -> None:
    """Every answer of /rate_limit has new counters, in its body and headers: any
    integers check the same, and a counter that is not one is still checked, and fails."""
    validator = ContractValidator()
    validator.record(_rate_limit_answer(5000, 1796560074, header="5000"))
    validator.record(_rate_limit_answer(4947, 1796560075, header="4947"))
    assert (validator.checked, validator.reused, validator.failures) == (2, 1, [])
    validator.record(_rate_limit_answer(4947, 1.5))
    validator.record(_rate_limit_answer("4947", 1796560075))
    validator.record(_rate_limit_answer(4947, 1796560075, header="many"))
    assert validator.reused == 1
    assert len(validator.failures) == 3


def test_the_undocumented_states_are_let_through_only_where_github_sends_them(
    emu: GitHubEmulator, api: Api
) -> None:
    """`waiting` on a deployment status and `skipped` on a review pass; any other
    unknown state, or the same word elsewhere, still fails."""
    job = emu.record_job(OWNER, REPO, "prod", actor="carol", reviews=[("skipped", "admin")])
    validator = ContractValidator()
    base = emu.url + R
    cases = {
        f"{base}/deployments/{job.deployment_id}/statuses": api(
            "GET", f"{R}/deployments/{job.deployment_id}/statuses"
        ),
        f"{base}/actions/runs/{job.run_id}/approvals": api(
            "GET", f"{R}/actions/runs/{job.run_id}/approvals"
        ),
    }

    def errors(url: str, body: bytes) -> list[str]:
        answer = cases[url]
        return validator.response_errors("GET", url, {}, b"", 200, dict(answer.headers), body)

    statuses_url, reviews_url = cases
    statuses = cases[statuses_url].json()
    statuses[0]["state"] = "waiting"
    assert errors(statuses_url, json.dumps(statuses).encode()) == []
    statuses[0]["state"] = "skipped"
    assert errors(statuses_url, json.dumps(statuses).encode())
    reviews = cases[reviews_url].json()
    assert errors(reviews_url, json.dumps(reviews).encode()) == []
    reviews[0]["state"] = "waiting"
    assert errors(reviews_url, json.dumps(reviews).encode())
    search = "?created=%3C%3D2026-01-31T04:00:00Z&per_page=100"
    assert validator.request_errors("GET", f"{base}/actions/runs{search}", {}, b"") == []
    bad = "?created=yesterday"
    assert validator.request_errors("GET", f"{base}/actions/runs{bad}", {}, b"")
