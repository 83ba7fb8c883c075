"""The issue, comment and label operations (issues-and-comments.subset.json), driven
through their happy and documented error paths for the contract test."""

from __future__ import annotations

from reconciler.sandbox.github import GitHubEmulator

from .conftest import OWNER, REPO, Api

R = f"/repos/{OWNER}/{REPO}"
ACTIONS_TOKEN = "ghs_actions_token_of_the_run"


def drive_issues(emu: GitHubEmulator, api: Api) -> None:
    emu.add_actions_token(ACTIONS_TOKEN, OWNER, REPO)
    bot = api.as_token(ACTIONS_TOKEN)
    pull = emu.add_pull_request(OWNER, REPO)
    # labels
    assert bot("GET", f"{R}/labels/environment-drift").status_code == 404
    label = {"name": "environment-drift", "color": "d93f0b", "description": "drift"}
    assert bot("POST", f"{R}/labels", json=label).status_code == 201
    assert bot("POST", f"{R}/labels", json=label).status_code == 422
    assert bot("GET", f"{R}/labels/Environment-Drift").status_code == 200
    # issues
    issue = {"title": "Environment drift", "body": "drift", "labels": ["environment-drift"]}
    created = bot("POST", f"{R}/issues", json=issue)
    assert created.status_code == 201
    number = created.json()["number"]
    assert bot("POST", f"{R}/issues", json={"body": "no title"}).status_code == 422
    too_long = {"title": "x", "body": "x" * 65_537}
    assert bot("POST", f"{R}/issues", json=too_long).status_code == 422
    listed = bot("GET", f"{R}/issues", params={"labels": "environment-drift", "state": "open"})
    assert [i["number"] for i in listed.json()] == [number]
    everything = bot("GET", f"{R}/issues", params={"state": "all", "per_page": 1})
    assert everything.status_code == 200 and 'rel="next"' in everything.headers["link"]
    assert bot("GET", f"{R}/issues", params={"state": "shut"}).status_code == 422
    assert bot("GET", f"/repos/{OWNER}/missing/issues").status_code == 404
    assert bot("PATCH", f"{R}/issues/{number}", json={"body": "still drift"}).status_code == 200
    closed = bot("PATCH", f"{R}/issues/{number}", json={"state": "closed"})
    assert closed.json()["state_reason"] == "completed"
    assert bot("PATCH", f"{R}/issues/999", json={"body": "x"}).status_code == 404
    # comments, on a pull request as on an issue
    comments = f"{R}/issues/{pull}/comments"
    posted = bot("POST", comments, json={"body": "<!-- reconcile-plan -->\nplan"})
    assert posted.status_code == 201
    assert bot("POST", comments, json={}).status_code == 422
    assert bot("POST", f"{R}/issues/{number}/comments", json={"body": "closing"}).status_code == 201
    assert bot("GET", comments).status_code == 200
    assert bot("GET", f"{R}/issues/999/comments").status_code == 404
    edit = f"{R}/issues/comments/{posted.json()['id']}"
    assert bot("PATCH", edit, json={"body": "new plan"}).status_code == 200
    assert bot("PATCH", edit, json={"body": "x" * 65_537}).status_code == 422
    # GraphQL's viewer: who an installation token is (GET /user refuses it).
    assert bot("GET", "/user").status_code == 403
    viewer = bot("POST", "/graphql", json={"query": "query { viewer { login } }"})
    assert viewer.json() == {"data": {"viewer": {"login": "github-actions[bot]"}}}
