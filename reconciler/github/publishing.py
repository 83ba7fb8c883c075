"""What `reconcile publish` writes: one sticky pull-request comment, and one drift
issue with its label.

Ours means written by these credentials. GitHub lets anyone with push access
edit anyone's comment, and anyone can paste our marker into theirs, so a
comment is ours only when it carries the marker and its author is who the
token is; an issue only when it carries the label and its author is. Who the
token is comes from GraphQL's `viewer`: `GET /user` refuses an installation
token (a workflow's `GITHUB_TOKEN`, a GitHub App's), `viewer` answers for
every kind of token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from reconciler.github.connection import GitHubConnection
from reconciler.github.errors import GitHubError
from reconciler.github.rest import expect, paginate, repo_path, segment, send

_VIEWER_QUERY = "query { viewer { login } }"
_COMMENT_PERMISSION = "Pull requests: write (or Issues: write)"
_ISSUE_PERMISSION = "Issues: write"


@dataclass(frozen=True)
class LabelSpec:
    name: str
    color: str  # six hex digits, no '#'
    description: str


@dataclass(frozen=True)
class Published:
    """What a publish did: `action` in created, updated, opened, closed, none."""

    action: str
    number: int | None = None  # the issue or pull request
    url: str | None = None  # where a person sees it


def viewer_login(conn: GitHubConnection) -> str:
    """The login these credentials act as (`github-actions[bot]` for a workflow's token)."""
    with conn.memo_lock:
        known = conn.memo.get(("viewer",))
    if isinstance(known, str):
        return known
    action = "reading who the token is (GraphQL viewer)"
    answer = send(
        conn,
        "POST",
        conn.requester().graphql_url,
        body={"query": _VIEWER_QUERY, "variables": {}},
        action=action,
        permission="none",
    )
    data = expect(answer, 200, action=action, permission="none").data
    login = _dig(data, "data", "viewer", "login")
    if not isinstance(login, str) or not login:
        errors = _dig(data, "errors")
        first = errors[0].get("message") if isinstance(errors, list) and errors else None
        raise GitHubError(
            "server",
            f"GitHub's GraphQL API did not say who the token is while {action}"
            + (f": {str(first)[:200]}" if isinstance(first, str) else ""),
        )
    with conn.memo_lock:
        conn.memo[("viewer",)] = login
    return login


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _author(item: dict[str, Any]) -> str:
    user = item.get("user")
    return str(user.get("login", "")) if isinstance(user, dict) else ""


def upsert_sticky_comment(
    conn: GitHubConnection, repo: str, number: int, marker: str, body: str
) -> Published:
    """Update our one comment on pull request `number` that carries `marker`, or create it."""
    me = viewer_login(conn).lower()
    path = f"{repo_path(repo)}/issues/{number}/comments"
    listing = f"listing the comments of pull request #{number} in {repo}"
    ours = next(
        (
            c
            for c in paginate(
                conn,
                path,
                per_page=100,
                item_key=None,
                action=listing,
                permission=_COMMENT_PERMISSION,
                fields=("id",),
            )
            if _author(c).lower() == me and marker in str(c.get("body") or "")
        ),
        None,
    )
    if ours is not None:
        action = f"updating comment {ours['id']} on pull request #{number} in {repo}"
        edit = f"{repo_path(repo)}/issues/comments/{int(ours['id'])}"
        answer = send(conn, "PATCH", edit, body={"body": body}, action=action,
                      permission=_COMMENT_PERMISSION)  # fmt: skip
        data = expect(answer, 200, action=action, permission=_COMMENT_PERMISSION).data
        return Published("updated", number, _url(data))
    action = f"commenting on pull request #{number} in {repo}"
    answer = send(conn, "POST", path, body={"body": body}, action=action,
                  permission=_COMMENT_PERMISSION)  # fmt: skip
    data = expect(answer, 201, action=action, permission=_COMMENT_PERMISSION).data
    return Published("created", number, _url(data))


def _url(data: Any) -> str | None:
    value = _dig(data, "html_url")
    return value if isinstance(value, str) else None


def our_open_issues(conn: GitHubConnection, repo: str, label: str) -> Iterator[dict[str, Any]]:
    """Open issues (not pull requests) carrying `label` that these credentials opened,
    oldest first."""
    me = viewer_login(conn).lower()
    query = urlencode({"state": "open", "labels": label, "sort": "created", "direction": "asc"})
    for issue in paginate(
        conn,
        f"{repo_path(repo)}/issues?{query}",
        per_page=100,
        item_key=None,
        action=f"listing the open issues labelled {label} in {repo}",
        permission=_ISSUE_PERMISSION,
        fields=("id",),
    ):
        number = issue.get("number")
        if not isinstance(number, int) or "pull_request" in issue:
            continue
        if _author(issue).lower() == me:
            yield issue


def ensure_label(conn: GitHubConnection, repo: str, label: LabelSpec) -> bool:
    """Create `label` unless the repository has it (in any case); True when created."""
    action = f"reading label {label.name} of {repo}"
    path = f"{repo_path(repo)}/labels"
    found = send(conn, "GET", f"{path}/{segment(label.name)}", action=action,
                 permission=_ISSUE_PERMISSION)  # fmt: skip
    if found.status == 200:
        return False
    expect(found, 404, action=action, permission=_ISSUE_PERMISSION)
    action = f"creating label {label.name} in {repo}"
    body = {"name": label.name, "color": label.color, "description": label.description}
    created = send(conn, "POST", path, body=body, action=action, permission=_ISSUE_PERMISSION)
    if created.status == 422 and "already_exists" in str(created.data):
        return False  # made in between by someone else: what we wanted
    expect(created, 201, action=action, permission=_ISSUE_PERMISSION)
    return True


def open_issue(
    conn: GitHubConnection, repo: str, title: str, body: str, label: LabelSpec
) -> Published:
    ensure_label(conn, repo, label)
    action = f"opening issue {title!r} in {repo}"
    answer = send(
        conn,
        "POST",
        f"{repo_path(repo)}/issues",
        body={"title": title, "body": body, "labels": [label.name]},
        action=action,
        permission=_ISSUE_PERMISSION,
    )
    data = expect(answer, 201, action=action, permission=_ISSUE_PERMISSION).data
    return Published("opened", int(data["number"]), _url(data))


def update_issue(conn: GitHubConnection, repo: str, number: int, body: str) -> Published:
    action = f"updating issue #{number} in {repo}"
    answer = send(conn, "PATCH", f"{repo_path(repo)}/issues/{number}", body={"body": body},
                  action=action, permission=_ISSUE_PERMISSION)  # fmt: skip
    data = expect(answer, 200, action=action, permission=_ISSUE_PERMISSION).data
    return Published("updated", number, _url(data))


def close_issue(conn: GitHubConnection, repo: str, number: int, comment: str) -> Published:
    """Say why on the issue, then close it as completed."""
    action = f"commenting on issue #{number} in {repo}"
    path = f"{repo_path(repo)}/issues/{number}"
    answer = send(conn, "POST", f"{path}/comments", body={"body": comment}, action=action,
                  permission=_ISSUE_PERMISSION)  # fmt: skip
    expect(answer, 201, action=action, permission=_ISSUE_PERMISSION)
    action = f"closing issue #{number} in {repo}"
    answer = send(conn, "PATCH", path, body={"state": "closed", "state_reason": "completed"},
                  action=action, permission=_ISSUE_PERMISSION)  # fmt: skip
    data = expect(answer, 200, action=action, permission=_ISSUE_PERMISSION).data
    return Published("closed", number, _url(data))
