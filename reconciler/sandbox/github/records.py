"""Values the emulator hands to tests: logged requests, hook records, fault rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from reconciler.sandbox.github.methods import changes_state

FaultKind = Literal[
    "status", "secondary_limit", "too_many_requests", "drop", "lose_response", "body"
]


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # percent-decoded, without the query string
    query: dict[str, str]
    status: int  # 0 when the connection was dropped before any response
    conditional: bool  # the client sent If-None-Match
    was_304: bool
    is_write: bool
    identity: str | None  # login behind the credential, never the credential itself
    time: datetime
    # The client's X-GitHub-Api-Version and Accept headers (None: not sent).
    api_version: str | None = None
    accept: str | None = None


@dataclass(frozen=True)
class Arrival:
    """A request as it reached the emulator, before anything was done with it."""

    method: str
    path: str  # percent-decoded, without the query string
    at: float  # time.monotonic() on arrival: the clock of the process the emulator runs in

    @property
    def is_write(self) -> bool:
        return changes_state(self.method)


@dataclass(frozen=True)
class RequestRecord:
    """Everything a contract validator needs about one exchange."""

    method: str
    url: str  # full URL as the client sent it (raw path + query)
    headers: dict[str, str]
    body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes


@dataclass
class FaultRule:
    """Injected failure for requests whose method and path match.

    `path` is a regular expression searched in the decoded request path;
    `method` "*" matches any method. The rule lets the first `skip` matching
    requests through, fires `times` times, then retires.

    Kind "body" plays a broken proxy or a hostile server: the request is
    performed as usual, then answered with `status` and the raw bytes of `body`.
    In the `message` of a "status" rule, `{credential}` stands for the token or
    JWT the request carried, as a proxy or a GitHub bug echoing it would say it.
    """

    method: str
    path: str
    times: int = 1
    kind: FaultKind = "status"
    status: int = 502
    retry_after: int | None = None
    # GitHub's `message` for a "status" fault; None: a generic one.
    message: str | None = None
    fired: int = field(default=0, compare=False)
    # The raw answer of a "body" rule (sent as is, JSON or not).
    body: bytes = b""
    skip: int = 0
    skipped: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Dispatch:
    owner: str
    repo: str
    event_type: str
    client_payload: dict[str, Any]
    identity: str | None
