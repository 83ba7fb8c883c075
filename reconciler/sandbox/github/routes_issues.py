"""Issues, issue and pull-request comments, labels, and GraphQL's `viewer`: what
`reconcile publish` needs for the sticky comment and the drift issue.

As on GitHub, a pull request is an issue to these endpoints (its comments are
issue comments, and the issue list includes it with a `pull_request` key), a
body over 65,536 characters is refused with 422, and someone with push access
may edit anyone's comment: only the client's own check keeps it to its own.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from reconciler.sandbox.github import payloads
from reconciler.sandbox.github.http import ApiError, Ctx, Reply, Route, not_found, unprocessable
from reconciler.sandbox.github.issue_state import (
    BODY_LIMIT,
    Issue,
    IssueComment,
    Label,
    author_account,
    book,
    label_for,
)
from reconciler.sandbox.github.pagination import paginate
from reconciler.sandbox.github.state import Repo, at_least

JSON = dict[str, Any]
_COLOR = re.compile(r"^[0-9a-fA-F]{6}$")
# The one GraphQL query the emulator answers: who the credential is.
_VIEWER = re.compile(r"^\s*(query\b[^{]*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$")


def _repo_url(ctx: Ctx, repo: Repo) -> str:
    return f"{ctx.base}/repos/{quote(repo.owner)}/{quote(repo.name)}"


def _html(repo: Repo) -> str:
    return f"https://github.com/{repo.owner}/{repo.name}"


def _user(ctx: Ctx, login: str) -> JSON:
    return payloads.simple_user(ctx.base, author_account(ctx.world, login))


def _association(ctx: Ctx, repo: Repo, login: str) -> str:
    if login.endswith("[bot]"):
        return "NONE"
    owner = ctx.world.account(repo.owner)
    if repo.owner.lower() == login.lower() or (owner and login.lower() in owner.owners):
        return "OWNER"
    if login.lower() in repo.collaborators:
        return "COLLABORATOR"
    return "MEMBER" if ctx.world.user_permission(repo, login) else "NONE"


def _label_json(ctx: Ctx, repo: Repo, label: Label) -> JSON:
    return {
        "id": label.id,
        "node_id": payloads.node_id("Label", label.id),
        "url": f"{_repo_url(ctx, repo)}/labels/{quote(label.name, safe='')}",
        "name": label.name,
        "description": label.description,
        "color": label.color,
        "default": False,
    }


def _reactions(url: str) -> JSON:
    counts = dict.fromkeys(("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes"), 0)
    return {"url": f"{url}/reactions", "total_count": 0, **counts, "rocket": 0}


def _issue_json(ctx: Ctx, repo: Repo, issue: Issue) -> JSON:
    url = f"{_repo_url(ctx, repo)}/issues/{issue.number}"
    kind = "pull" if issue.pull_request else "issues"
    labels = book(ctx.world, repo).labels
    body: JSON = {
        "id": issue.id,
        "node_id": payloads.node_id("Issue", issue.id),
        "url": url,
        "repository_url": _repo_url(ctx, repo),
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"{_html(repo)}/{kind}/{issue.number}",
        "number": issue.number,
        "state": issue.state,
        "state_reason": issue.state_reason,
        "title": issue.title,
        "body": issue.body,
        "user": _user(ctx, issue.author),
        "labels": [_label_json(ctx, repo, labels[n]) for n in issue.labels if n in labels],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": len(issue.comments),
        "closed_at": payloads.iso(issue.closed_at) if issue.closed_at else None,
        "created_at": payloads.iso(issue.created_at),
        "updated_at": payloads.iso(issue.updated_at),
        "closed_by": _user(ctx, issue.closed_by) if issue.closed_by else None,
        "author_association": _association(ctx, repo, issue.author),
        "reactions": _reactions(url),
        "timeline_url": f"{url}/timeline",
        "performed_via_github_app": None,
    }
    if issue.pull_request:
        pull = f"{_repo_url(ctx, repo)}/pulls/{issue.number}"
        html = f"{_html(repo)}/pull/{issue.number}"
        body["pull_request"] = {
            "url": pull,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": None,
        }
        body["draft"] = False
    return body


def _comment_json(ctx: Ctx, repo: Repo, comment: IssueComment) -> JSON:
    url = f"{_repo_url(ctx, repo)}/issues/comments/{comment.id}"
    return {
        "id": comment.id,
        "node_id": payloads.node_id("IssueComment", comment.id),
        "url": url,
        "html_url": f"{_html(repo)}/issues/{comment.issue_number}#issuecomment-{comment.id}",
        "issue_url": f"{_repo_url(ctx, repo)}/issues/{comment.issue_number}",
        "body": comment.body,
        "user": _user(ctx, comment.author),
        "created_at": payloads.iso(comment.created_at),
        "updated_at": payloads.iso(comment.updated_at),
        "author_association": _association(ctx, repo, comment.author),
        "performed_via_github_app": None,
        "reactions": _reactions(url),
    }


def _login(ctx: Ctx) -> str:
    if ctx.token is None:
        raise not_found()
    return ctx.token.login


def _may(ctx: Ctx, repo: Repo, need: str) -> bool:
    return ctx.token is not None and at_least(ctx.world.token_permission(repo, ctx.token), need)


def _body(value: Any, resource: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise unprocessable('Invalid request.\n\n"body" wasn\'t supplied.')
    if len(value) > BODY_LIMIT:
        # The error GitHub sends (suzuki-shunsuke/github-comment#124, danger/danger#424).
        raise unprocessable(
            "Validation Failed",
            errors=[
                {
                    "resource": resource,
                    "code": "custom",
                    "field": "body",
                    "message": f"body is too long (maximum is {BODY_LIMIT} characters)",
                }
            ],
        )
    return value


def _issue(ctx: Ctx, repo: Repo) -> Issue:
    number = ctx.params["issue_number"]
    found = book(ctx.world, repo).issues.get(int(number)) if number.isdigit() else None
    if found is None:
        raise not_found()
    return found


def list_issues(ctx: Ctx) -> Reply:
    repo = ctx.repo("pull")
    state = ctx.query.get("state", "open")
    if state not in {"open", "closed", "all"}:
        raise unprocessable("Validation Failed", errors=[{"field": "state", "code": "invalid"}])
    wanted = {n.strip().lower() for n in ctx.query.get("labels", "").split(",") if n.strip()}
    creator = ctx.query.get("creator", "").lower()
    issues = [
        i
        for i in book(ctx.world, repo).issues.values()
        if state in {"all", i.state}
        and wanted <= set(i.labels)
        and (not creator or i.author.lower() == creator)
    ]
    order = ctx.query.get("sort", "created")
    key = {"updated": lambda i: i.updated_at, "comments": lambda i: len(i.comments)}.get(
        order, lambda i: i.number
    )
    issues.sort(key=key, reverse=ctx.query.get("direction", "desc") != "asc")
    page, link = paginate(ctx, issues, 30, 100)
    return Reply(200, [_issue_json(ctx, repo, i) for i in page], {"link": link} if link else {})


def create_issue(ctx: Ctx) -> Reply:
    repo = ctx.repo("pull")
    request = ctx.json_object()
    title = request.get("title")
    if not isinstance(title, (str, int)) or not str(title).strip():
        raise unprocessable('Invalid request.\n\n"title" wasn\'t supplied.')
    text = _body(request.get("body"), "Issue", required=False)
    names = request.get("labels", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise unprocessable("Invalid request.\n\nlabels must be an array of strings.")
    # GitHub drops the labels of someone without push access without a word.
    labels = (
        [label_for(ctx.world, repo, n).name.lower() for n in names]
        if _may(ctx, repo, "push")
        else []
    )
    issues = book(ctx.world, repo)
    now = ctx.world.now()
    issue = Issue(
        ctx.world.new_id(), issues.next_number(), str(title), text, _login(ctx), now, now, labels
    )
    issues.issues[issue.number] = issue
    body = _issue_json(ctx, repo, issue)
    return Reply(201, body, {"location": body["url"]})


def update_issue(ctx: Ctx) -> Reply:
    repo = ctx.repo("pull")
    issue = _issue(ctx, repo)
    if issue.author.lower() != _login(ctx).lower() and not _may(ctx, repo, "triage"):
        raise ApiError(403, "Must have admin rights to Repository.")
    request = ctx.json_object()
    if "body" in request:
        issue.body = _body(request["body"], "Issue", required=False)
    if isinstance(request.get("title"), str) and request["title"].strip():
        issue.title = request["title"]
    state = request.get("state")
    if state is not None and state not in {"open", "closed"}:
        raise unprocessable("Validation Failed", errors=[{"field": "state", "code": "invalid"}])
    now = ctx.world.now()
    if state == "closed" and issue.state == "open":
        issue.state, issue.closed_at, issue.closed_by = "closed", now, _login(ctx)
        issue.state_reason = request.get("state_reason") or "completed"
    elif state == "open" and issue.state == "closed":
        issue.state, issue.closed_at, issue.closed_by, issue.state_reason = (
            "open", None, None, "reopened"
        )  # fmt: skip
    issue.updated_at = now
    return Reply(200, _issue_json(ctx, repo, issue))


def list_comments(ctx: Ctx) -> Reply:
    repo = ctx.repo("pull")
    issue = _issue(ctx, repo)
    comments = [book(ctx.world, repo).comments[c] for c in issue.comments]
    page, link = paginate(ctx, comments, 30, 100)
    return Reply(200, [_comment_json(ctx, repo, c) for c in page], {"link": link} if link else {})


def create_comment(ctx: Ctx) -> Reply:
    repo = ctx.repo("pull")
    issue = _issue(ctx, repo)
    text = _body(ctx.json_object().get("body"), "IssueComment", required=True)
    now = ctx.world.now()
    comment = IssueComment(ctx.world.new_id(), issue.number, _login(ctx), text or "", now, now)
    book(ctx.world, repo).comments[comment.id] = comment
    issue.comments.append(comment.id)
    issue.updated_at = now
    body = _comment_json(ctx, repo, comment)
    return Reply(201, body, {"location": body["url"]})


def update_comment(ctx: Ctx) -> Reply:
    repo = ctx.repo("pull")
    ident = ctx.params["comment_id"]
    comment = book(ctx.world, repo).comments.get(int(ident)) if ident.isdigit() else None
    if comment is None:
        raise not_found()
    if comment.author.lower() != _login(ctx).lower() and not _may(ctx, repo, "push"):
        raise ApiError(403, "Must have admin rights to Repository.")
    comment.body = _body(ctx.json_object().get("body"), "IssueComment", required=True) or ""
    comment.updated_at = ctx.world.now()
    return Reply(200, _comment_json(ctx, repo, comment))


def get_label(ctx: Ctx) -> Reply:
    repo = ctx.repo("pull")
    label = book(ctx.world, repo).labels.get(ctx.params["name"].lower())
    if label is None:
        raise not_found()
    return Reply(200, _label_json(ctx, repo, label))


def create_label(ctx: Ctx) -> Reply:
    repo = ctx.repo("push")
    request = ctx.json_object()
    name, color = request.get("name"), request.get("color", "ededed")
    description = request.get("description")
    if not isinstance(name, str) or not name.strip():
        raise unprocessable('Invalid request.\n\n"name" wasn\'t supplied.')
    problems = []
    if not isinstance(color, str) or not _COLOR.match(color.removeprefix("#")):
        problems.append({"resource": "Label", "code": "invalid", "field": "color"})
    if description is not None and (not isinstance(description, str) or len(description) > 100):
        problems.append({"resource": "Label", "code": "invalid", "field": "description"})
    labels = book(ctx.world, repo).labels
    if name.lower() in labels:
        problems.append({"resource": "Label", "code": "already_exists", "field": "name"})
    if problems:
        raise unprocessable("Validation Failed", errors=problems)
    label = Label(ctx.world.new_id(), name, str(color).removeprefix("#").lower(), description)
    labels[name.lower()] = label
    body = _label_json(ctx, repo, label)
    return Reply(201, body, {"location": body["url"]})


def graphql(ctx: Ctx) -> Reply:
    query = ctx.json_object().get("query")
    if not isinstance(query, str) or not _VIEWER.match(query):
        # GitHub answers a query it cannot run with 200 and an `errors` list.
        message = "the emulator's GraphQL endpoint answers only `{ viewer { login } }`"
        return Reply(200, {"errors": [{"message": message}]})
    return Reply(200, {"data": {"viewer": {"login": _login(ctx)}}})


_ISSUES = "/repos/{owner}/{repo}/issues"
ROUTES = [
    Route("GET", _ISSUES, list_issues),
    Route("POST", _ISSUES, create_issue),
    Route("PATCH", _ISSUES + "/{issue_number}", update_issue),
    Route("GET", _ISSUES + "/{issue_number}/comments", list_comments),
    Route("POST", _ISSUES + "/{issue_number}/comments", create_comment),
    Route("PATCH", _ISSUES + "/comments/{comment_id}", update_comment),
    Route("GET", "/repos/{owner}/{repo}/labels/{name}", get_label),
    Route("POST", "/repos/{owner}/{repo}/labels", create_label),
    Route("POST", "/graphql", graphql),
]
