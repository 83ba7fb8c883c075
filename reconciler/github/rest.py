"""Requests through PyGithub's requester, for endpoints it lacks or wraps with extra GETs.

Everything here goes through the thread's `Github` client, so auth, retries,
pacing and counting are the same as for PyGithub's own methods; no second
HTTP stack. Failures come out as `GitHubError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal
from urllib.parse import quote

from requests.utils import parse_header_links

from reconciler.github.cache import RELOAD_HEADER, REVIVED_HEADER
from reconciler.github.connection import GitHubConnection
from reconciler.github.errors import GitHubError, detached, from_status, translate
from reconciler.github.masking import clip, scrub_data


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

    @property
    def revived(self) -> bool:
        """Served from the conditional-request cache (GitHub answered 304)."""
        return REVIVED_HEADER.lower() in self.headers


# What GitHub sends for a failure: a message and little else.
_ERROR_KEYS = frozenset({"message", "documentation_url", "errors", "status"})
# Required fields that are numbers; every other one a caller requires is text.
_NUMBERS = frozenset({"id"})


def _typed(field: str, value: Any) -> bool:
    if field in _NUMBERS:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


@dataclass(frozen=True)
class Shape:
    """What a 200 answer to a GET must hold for its caller to read it.

    `kind`: "object" (a JSON object), "list" (an array of objects), or
    "listing" (an object whose `key` is an array of objects). `fields`: keys
    every object (or every item) must have.
    """

    kind: Literal["object", "list", "listing"] = "object"
    key: str = ""
    fields: tuple[str, ...] = ()

    def fits(self, data: Any) -> bool:
        if self.kind == "list":
            return isinstance(data, list) and all(self._holds(i) for i in data)
        if not self._holds(data, self.fields if self.kind == "object" else ()):
            return False
        if self.kind == "listing":
            items = data.get(self.key)
            return isinstance(items, list) and all(self._holds(i) for i in items)
        return True

    def _holds(self, item: Any, fields: tuple[str, ...] | None = None) -> bool:
        if not isinstance(item, dict):
            return False
        if "message" in item and item.keys() <= _ERROR_KEYS:
            return False
        return all(
            f in item and _typed(f, item[f]) for f in (self.fields if fields is None else fields)
        )

    def describe(self) -> str:
        if self.kind == "list":
            return "a JSON array of objects"
        if self.kind == "listing":
            return f"a JSON object with an array '{self.key}'"
        return "a JSON object"


OBJECT = Shape()


def send(
    conn: GitHubConnection,
    verb: str,
    path: str,
    *,
    body: Any = None,
    parameters: dict[str, Any] | None = None,
    shape: Shape = OBJECT,
    action: str,
    permission: str,
    hide: tuple[str, ...] = (),
) -> Answer:
    """One request; any status comes back (the caller decides what is fine).

    A GET answered 200 must hold `shape`, else it is a GitHubError: when the
    body came from the cache, the entry is dropped and GitHub asked once more.
    `hide`: values besides the credentials that no message may quote (a
    secret being written); the data of an answer that is no success holds
    neither, so no error built from it can.
    """
    once = partial(
        _send_once,
        conn,
        verb,
        path,
        body,
        parameters,
        action=action,
        permission=permission,
        hide=hide,
    )
    answer = once()
    if answer.status == 401 and conn.refresh_credentials():
        answer = once()
    if verb != "GET" or answer.status != 200 or shape.fits(answer.data):
        return answer
    if answer.revived:
        answer = once(reload=True)
        if answer.status != 200 or shape.fits(answer.data):
            return answer
    raise GitHubError(
        "server",
        f"GitHub answered 200 while {action}, but not with {shape.describe()} as that "
        "endpoint returns (a proxy or cache in between?)",
        status=200,
    )


def _send_once(
    conn: GitHubConnection,
    verb: str,
    path: str,
    body: Any,
    parameters: dict[str, Any] | None,
    *,
    action: str,
    permission: str,
    hide: tuple[str, ...],
    reload: bool = False,
) -> Answer:
    failure: GitHubError | None = None
    headers_out = {RELOAD_HEADER: "1"} if reload else None
    hidden = (*conn.sensitive_values(), *hide)
    try:
        status, headers, text = conn.requester().requestJson(
            verb, path, parameters=parameters, headers=headers_out, input=body
        )
    except Exception as exc:
        failure = translate(
            exc, action=action, permission=permission, api_url=conn.api_url, hide=hidden
        )
    if failure is not None:
        # Raised outside the except block so it keeps no reference to the
        # original exception (and through it to the request's headers).
        raise detached(failure)
    data: Any = None
    if text:
        try:
            data = json.loads(text)
        except ValueError:
            data = {"message": clip(text, 200, *hidden)}
    if status >= 300:
        data = scrub_data(data, *hidden)
    return Answer(status, {k.lower(): v for k, v in headers.items()}, data)


@contextmanager
def interpreting(action: str) -> Iterator[None]:
    """Reading the fields of an answer whose outer `Shape` was checked: a field
    deeper in it of another type than GitHub sends (a rule that is no object,
    a wait timer that is no number, a time past the year 9999) is one
    GitHubError, never a crash."""
    try:
        yield
    except (AttributeError, KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        raise GitHubError(
            "server",
            f"GitHub answered while {action}, but a field of its answer is not what that "
            f"endpoint returns ({type(exc).__name__}; a proxy or cache in between?)",
        ) from None


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
    fields: tuple[str, ...] = (),
) -> Iterator[Any]:
    """Every item of a list endpoint, following `Link: rel="next"`.

    `item_key`: the array's key in the answer (None: the answer is the array);
    `fields`: keys every item must have.
    """
    shape = Shape("listing", item_key, fields) if item_key else Shape("list", fields=fields)
    url: str | None = path
    parameters: dict[str, Any] | None = {"per_page": per_page}
    while url is not None:
        answer = send(
            conn,
            "GET",
            url,
            parameters=parameters,
            shape=shape,
            action=action,
            permission=permission,
        )
        expect(answer, 200, action=action, permission=permission)
        items = answer.data[item_key] if item_key else answer.data
        yield from items
        url, parameters = _next_link(answer.headers.get("link")), None


def _next_link(header: str | None) -> str | None:
    if not header:
        return None
    for link in parse_header_links(header):
        if link.get("rel") == "next" and link.get("url"):
            return link["url"]
    return None
