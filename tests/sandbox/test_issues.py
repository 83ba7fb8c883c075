"""The emulator's issues, comments, labels and GraphQL `viewer`, as GitHub behaves."""

from __future__ import annotations

from reconciler.sandbox.github import GitHubEmulator

from .conftest import OWNER, REPO, Api

R = f"/repos/{OWNER}/{REPO}"
BOT_TOKEN = "ghs_run_token"


def bot(emu: GitHubEmulator, api: Api, *, write: bool = True) -> Api:
    emu.add_actions_token(BOT_TOKEN, OWNER, REPO, write=write)
    return api.as_token(BOT_TOKEN)


def test_a_pull_request_is_an_issue_to_the_issues_api(emu: GitHubEmulator, api: Api) -> None:
    pull = emu.add_pull_request(OWNER, REPO)
    issue = emu.add_issue(OWNER, REPO, "Broken", author="carol", labels=["bug"])
    listed = api("GET", f"{R}/issues").json()
    assert [(i["number"], "pull_request" in i) for i in listed] == [(issue, False), (pull, True)]
    assert [i["number"] for i in api("GET", f"{R}/issues", params={"labels": "BUG"}).json()] == [
        issue
    ]
    by_carol = api("GET", f"{R}/issues", params={"creator": "carol"}).json()
    assert [i["number"] for i in by_carol] == [issue]


def test_the_run_token_acts_as_github_actions_bot(emu: GitHubEmulator, api: Api) -> None:
    run = bot(emu, api)
    pull = emu.add_pull_request(OWNER, REPO)
    posted = run("POST", f"{R}/issues/{pull}/comments", json={"body": "hi"}).json()
    assert posted["user"]["login"] == "github-actions[bot]"
    assert posted["user"]["type"] == "Bot"
    # GET /user refuses an installation token; GraphQL's viewer answers.
    refused = run("GET", "/user")
    assert (refused.status_code, refused.json()["message"]) == (
        403,
        "Resource not accessible by integration",
    )
    viewer = run("POST", "/graphql", json={"query": "{ viewer { login } }"}).json()
    assert viewer["data"]["viewer"]["login"] == "github-actions[bot]"
    # A personal token's viewer is its user.
    assert api("POST", "/graphql", json={"query": "query Me { viewer { login } }"}).json() == {
        "data": {"viewer": {"login": "admin"}}
    }
    other = api("POST", "/graphql", json={"query": "{ repository(owner: 1) { id } }"})
    assert other.status_code == 200 and "errors" in other.json()


def test_push_access_may_edit_anyones_comment(emu: GitHubEmulator, api: Api) -> None:
    # Which is why the client, not GitHub, keeps the sticky comment to its own.
    pull = emu.add_pull_request(OWNER, REPO)
    theirs = emu.add_issue_comment(OWNER, REPO, pull, "mallory", "<!-- reconcile-plan --> fake")
    edited = bot(emu, api)("PATCH", f"{R}/issues/comments/{theirs}", json={"body": "overwritten"})
    assert edited.status_code == 200
    assert emu.issue_comments(OWNER, REPO, pull)[0].body == "overwritten"


def test_a_read_only_run_token_cannot_comment(emu: GitHubEmulator, api: Api) -> None:
    pull = emu.add_pull_request(OWNER, REPO)
    denied = bot(emu, api, write=False)("POST", f"{R}/issues/{pull}/comments", json={"body": "x"})
    assert denied.status_code == 403
    assert emu.issue_comments(OWNER, REPO, pull) == []


def test_bodies_up_to_65536_characters(emu: GitHubEmulator, api: Api) -> None:
    pull = emu.add_pull_request(OWNER, REPO)
    comments = f"{R}/issues/{pull}/comments"
    assert api("POST", comments, json={"body": "é" * 65_536}).status_code == 201
    refused = api("POST", comments, json={"body": "é" * 65_537})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"] == (
        "body is too long (maximum is 65536 characters)"
    )


def test_labels_are_found_in_any_case_and_made_on_the_fly(emu: GitHubEmulator, api: Api) -> None:
    created = api("POST", f"{R}/issues", json={"title": "t", "labels": ["Needs-Triage"]})
    assert created.json()["labels"][0]["color"] == "ededed"
    assert api("GET", f"{R}/labels/needs-triage").json()["name"] == "Needs-Triage"
    duplicate = api("POST", f"{R}/labels", json={"name": "NEEDS-TRIAGE"})
    assert duplicate.json()["errors"] == [
        {"resource": "Label", "code": "already_exists", "field": "name"}
    ]
    # Without push access the labels are dropped, not refused.
    emu.add_token("reader", login="dave", write=True, repos=[REPO])
    emu.add_collaborator(OWNER, REPO, "dave", "read")
    quiet = api.as_token("reader")("POST", f"{R}/issues", json={"title": "t", "labels": ["x"]})
    assert quiet.status_code == 201 and quiet.json()["labels"] == []


def test_closing_an_issue_records_who_and_why(emu: GitHubEmulator, api: Api) -> None:
    number = emu.add_issue(OWNER, REPO, "Environment drift", author="github-actions[bot]")
    closed = bot(emu, api)("PATCH", f"{R}/issues/{number}", json={"state": "closed"}).json()
    assert (closed["state"], closed["state_reason"], closed["closed_by"]["login"]) == (
        "closed",
        "completed",
        "github-actions[bot]",
    )
    reopened = api("PATCH", f"{R}/issues/{number}", json={"state": "open"}).json()
    assert (reopened["state_reason"], reopened["closed_at"]) == ("reopened", None)


def test_the_next_page_keeps_the_filters(emu: GitHubEmulator, api: Api) -> None:
    # As GitHub's own links do (PyGithub's recorded `issues?page=10&state=closed`).
    for n in range(3):
        emu.add_issue(OWNER, REPO, f"drift {n}", author="carol", labels=["drift"])
    emu.add_issue(OWNER, REPO, "other", author="carol")
    first = api("GET", f"{R}/issues", params={"labels": "drift", "per_page": 2})
    assert "labels=drift&per_page=2&page=2" in first.headers["link"]
    second = api.session.get(first.links["next"]["url"], timeout=10).json()
    assert [i["title"] for i in second] == ["drift 0"]
