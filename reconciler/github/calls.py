"""Requests through PyGithub's requester, for endpoints it lacks or wraps with extra GETs.

Everything here goes through the thread's `Github` client, so auth, retries,
pacing and counting are the same as for PyGithub's own methods; no second
HTTP stack. Failures come out as `GitHubError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from requests.utils import parse_header_links

from reconciler.github.connection import GitHubConnection
from reconciler.github.errors import GitHubError, detached, from_status, translate


def segment(value: str) -> str:
    """One URL path segment: environment names may hold '/', spaces or '%'."""
    return quote(value, safe="")


def repo_path(full_name: str) -> str:
    owner, _, name = full_name.partition("/")
    return f"/repos/{segment(owner)}/{segment(name)}"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, Any]
    data: Any

    @property
    def request_id(self) -> str | None:
        value = self.headers.get("x-github-request-id")
        return str(value) if value else None


def send(
    conn: GitHubConnection,
    verb: str,
    path: str,
    *,
    body: Any = None,
    parameters: dict[str, Any] | None = None,
    action: str,
    permission: str,
) -> Answer:
    """One request; any status comes back (the caller decides what is fine)."""
    answer = _send_once(conn, verb, path, body, parameters, action=action, permission=permission)
    if answer.status == 401 and conn.refresh_credentials():
        answer = _send_once(
            conn, verb, path, body, parameters, action=action, permission=permission
        )
    return answer


def _send_once(
    conn: GitHubConnection,
    verb: str,
    path: str,
    body: Any,
    parameters: dict[str, Any] | None,
    *,
    action: str,
    permission: str,
) -> Answer:
    failure: GitHubError | None = None
    try:
        status, headers, text = conn.requester().requestJson(
            verb, path, parameters=parameters, input=body
        )
    except Exception as exc:
        failure = translate(exc, action=action, permission=permission, api_url=conn.api_url)
    if failure is not None:
        # Raised outside the except block so it keeps no reference to the
        # original exception (and through it to the request's headers).
        raise detached(failure)
    data: Any = None
    if text:
        try:
            data = json.loads(text)
        except ValueError:
            data = {"message": text[:200]}
    return Answer(status, {k.lower(): v for k, v in headers.items()}, data)


def expect(answer: Answer, *ok: int, action: str, permission: str) -> Answer:
    if answer.status in ok or (not ok and 200 <= answer.status < 300):
        return answer
    raise from_status(
        answer.status, answer.data, answer.headers, action=action, permission=permission
    )


def get_json(
    conn: GitHubConnection,
    path: str,
    *,
    action: str,
    permission: str,
    parameters: dict[str, Any] | None = None,
) -> Any:
    answer = send(conn, "GET", path, parameters=parameters, action=action, permission=permission)
    return expect(answer, 200, action=action, permission=permission).data


def paginate(
    conn: GitHubConnection,
    path: str,
    *,
    per_page: int,
    item_key: str | None,
    action: str,
    permission: str,
) -> Iterator[Any]:
    """Every item of a list endpoint, following `Link: rel="next"`."""
    url: str | None = path
    parameters: dict[str, Any] | None = {"per_page": per_page}
    while url is not None:
        answer = send(conn, "GET", url, parameters=parameters, action=action, permission=permission)
        expect(answer, 200, action=action, permission=permission)
        items = answer.data.get(item_key, []) if item_key else answer.data
        yield from items or []
        url, parameters = _next_link(answer.headers.get("link")), None


def _next_link(header: str | None) -> str | None:
    if not header:
        return None
    for link in parse_header_links(header):
        if link.get("rel") == "next" and link.get("url"):
            return link["url"]
    return None
