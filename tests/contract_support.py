"""Validate GitHub API exchanges against the OpenAPI subset reconcile relies on.

`ContractValidator` checks a request (method, URL, headers, body) and its
response (status, headers, body) with openapi-core and collects every failure,
so one session-wide instance can watch all traffic through the emulator's
`on_request` hook:

    validator = ContractValidator()
    emulator.on_request = validator.record
    ...
    validator.assert_clean()

Rules beyond the schema, matching GitHub's documented behaviour:
- an error status the operation does not document must still carry GitHub's
  basic-error body (`message`, `documentation_url`);
- a 304 is allowed on any GET (conditional requests) and must have no body;
- every response carries the x-ratelimit-* and x-github-request-id headers, and
  a GET 200 an ETag;
- GitHub's id-based alias URLs (`/repositories/{id}/...`,
  `/organizations/{org_id}/team/{team_id}/...`) validate as their named paths.

Documented departures from the description, where real GitHub differs
(docs/emulator-fidelity.md gives the evidence for each):
- the body of PUT environment may carry `can_admins_bypass`, a boolean; the
  description declares no such property and forbids additional ones. Only that
  key, only there, and only as a boolean is let through; anything else extra
  still fails;
- `ContractValidator(rate_limit_headers=False)` checks exchanges with a GitHub
  Enterprise Server whose rate limiting is off, which sends no x-ratelimit-*
  headers at all;
- the answers of `reconcile approvals`' reads (emulator-fidelity.md,
  "Deployments, runs and their reviews"): a deployment status may have the
  state `waiting` (a job waiting for a reviewer), a run's review entry the
  state `skipped` (an administrator's bypass), and the `created` query of the
  runs list GitHub's search syntax for dates (`<=2026-01-31T04:00:00Z`,
  `2026-01-01..2026-01-31`, a bare date). Only those values, only there: each
  is validated as a documented one in its place.
- a property the description declares `nullable` with an `enum` may be null,
  though the enum does not list null (OpenAPI 3.0.3 wants it listed; GitHub
  sends `"state_reason": null` for every open issue, as PyGithub's recorded
  answers show): null is added to such enums;
- `POST /graphql` is GitHub's GraphQL endpoint, which the REST description does
  not cover; `reconcile publish` asks it one query (`viewer { login }`: who the
  token is, which `GET /user` refuses to an installation token). Its request must
  be a JSON object with a `query` string and its 200 answer an object with
  `data` or `errors`, as GraphQL's own specification says.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from reconciler.sandbox.github import RequestRecord

# GitHub's description, vendored (tests/data/github-openapi/README.md says from
# where and how to refresh it): the tests need nothing outside the repository.
SPEC_DIR = Path(__file__).resolve().parent / "data" / "github-openapi"
SUBSETS = (
    "api.github.com.subset.json",
    "deployments-and-runs.subset.json",
    "issues-and-comments.subset.json",
)
GRAPHQL_PATH = "/graphql"
SPEC_HOST = "https://api.github.com"
COMMON_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-used",
    "x-ratelimit-resource",
    "x-github-request-id",
)


def load_subset(name: str) -> dict[str, Any]:
    with (SPEC_DIR / name).open(encoding="utf-8") as handle:
        subset: dict[str, Any] = json.load(handle)
    return subset


@cache
def load_spec() -> dict[str, Any]:
    """Every vendored subset in one description (same source and version)."""
    spec = load_subset(SUBSETS[0])
    for name in SUBSETS[1:]:
        extra = load_subset(name)
        for path, item in extra["paths"].items():
            spec["paths"].setdefault(path, item)
        for kind, entries in extra.get("components", {}).items():
            spec["components"].setdefault(kind, {})
            for key, value in entries.items():
                spec["components"][kind].setdefault(key, value)
    _null_in_nullable_enums(spec)
    return spec


def _null_in_nullable_enums(node: Any) -> None:
    """Lists null in every enum of a schema declared `nullable` (the description means it)."""
    if isinstance(node, dict):
        enum = node.get("enum")
        if node.get("nullable") is True and isinstance(enum, list) and None not in enum:
            enum.append(None)
        for value in node.values():
            _null_in_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            _null_in_nullable_enums(value)


@cache
def _openapi() -> OpenAPI:
    # Not checked against the OpenAPI schema here, in every test process (a
    # second of CPU each): test_the_vendored_description_is_valid_openapi does
    # that once.
    return OpenAPI.from_dict(load_spec(), config=Config(spec_validator_cls=None))


def operations() -> list[tuple[str, str]]:
    """Every (METHOD, path template) of the subset."""
    out = []
    for path, item in load_spec()["paths"].items():
        for method in item:
            if method in {"get", "put", "post", "patch", "delete"}:
                out.append((method.upper(), path))
    return sorted(out)


def canonical_path(path: str) -> str:
    """GitHub's id-based alias paths, rewritten to the named templates of the spec."""
    parts = path.split("/")
    if len(parts) >= 3 and parts[1] == "repositories" and parts[2].isdigit():
        return "/".join(["", "repos", f"owner-{parts[2]}", f"repo-{parts[2]}", *parts[3:]])
    if len(parts) >= 5 and parts[1] == "organizations" and parts[3] == "team":
        return "/".join(["", "orgs", f"org-{parts[2]}", "teams", f"team-{parts[4]}", *parts[5:]])
    return path


@dataclass
class _Request:
    method: str
    path: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str
    host_url: str = SPEC_HOST


@dataclass
class _Response:
    status_code: int
    headers: Headers
    data: bytes | None
    content_type: str


@dataclass(frozen=True)
class ContractFailure:
    method: str
    url: str
    status: int
    where: str  # "request" | "response" | "headers"
    detail: str

    def __str__(self) -> str:
        return f"{self.method} {self.url} -> {self.status}: {self.where}: {self.detail}"


_ENVIRONMENT_PATH = re.compile(r"^/repos/[^/]+/[^/]+/environments/[^/]+$")
_UNDOCUMENTED_ENVIRONMENT_KEY = "can_admins_bypass"


def _documented_body(method: str, path: str, body: bytes) -> bytes:
    """The request body with the one undocumented key real GitHub takes removed."""
    if method.upper() != "PUT" or not _ENVIRONMENT_PATH.match(path) or not body:
        return body
    try:
        parsed = json.loads(body)
    except ValueError:
        return body
    if not isinstance(parsed, dict) or not isinstance(
        parsed.get(_UNDOCUMENTED_ENVIRONMENT_KEY), bool
    ):
        return body
    del parsed[_UNDOCUMENTED_ENVIRONMENT_KEY]
    return json.dumps(parsed).encode("utf-8")


_RUNS_PATH = re.compile(r"^/repos/[^/]+/[^/]+/actions/runs$")
_STATUSES_PATH = re.compile(r"^/repos/[^/]+/[^/]+/deployments/[^/]+/statuses$")
_REVIEWS_PATH = re.compile(r"^/repos/[^/]+/[^/]+/actions/runs/[^/]+/approvals$")
_SEARCH_DATE = re.compile(
    r"^(?:[<>]=?)?(\d{4}-\d{2}-\d{2}(?:T[0-9:]+(?:Z|[+-]\d{2}:\d{2}))?)"
    r"(?:\.\.(?:\*|\d{4}-\d{2}-\d{2}(?:T[0-9:]+(?:Z|[+-]\d{2}:\d{2}))?))?$"
)
# (path, the undocumented state real GitHub sends there, a documented one to check it as)
_UNDOCUMENTED_STATES = (
    (_STATUSES_PATH, "waiting", "pending"),
    (_REVIEWS_PATH, "skipped", "approved"),
)


def _documented_query(method: str, path: str, query: str) -> list[tuple[str, str]]:
    """The query with a runs search's `created` (GitHub's date syntax) as a plain date-time."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if method.upper() != "GET" or not _RUNS_PATH.match(path):
        return pairs
    out = []
    for key, value in pairs:
        match = _SEARCH_DATE.match(value) if key == "created" else None
        day = match.group(1) if match else None
        if day is None:
            out.append((key, value))
        else:
            out.append((key, day if "T" in day else f"{day}T00:00:00Z"))
    return out


def _documented_answer(method: str, path: str, body: bytes) -> bytes:
    """A list answer with the one undocumented state real GitHub sends there swapped."""
    if method.upper() != "GET" or not body:
        return body
    for pattern, state, documented in _UNDOCUMENTED_STATES:
        if pattern.match(path):
            parsed = json.loads(body)
            if isinstance(parsed, list):
                for item in parsed:
                    if isinstance(item, dict) and item.get("state") == state:
                        item["state"] = documented
                return json.dumps(parsed).encode("utf-8")
    return body


def _request(method: str, url: str, headers: dict[str, str], body: bytes) -> _Request:
    parts = urlsplit(url)
    body = _documented_body(method, canonical_path(parts.path), body)
    lower = {k.lower(): v for k, v in headers.items()}
    query = _documented_query(method, canonical_path(parts.path), parts.query)
    return _Request(
        method=method.lower(),
        path=canonical_path(parts.path),
        parameters=RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(list(lower.items())),
        ),
        body=body or None,
        content_type=lower.get("content-type", "application/json").lower(),
    )


def _documented(method: str, url: str) -> dict[str, Any] | None:
    """The operation object for a request, matching templates segment by segment."""
    segments = canonical_path(urlsplit(url).path).rstrip("/").split("/")
    for template, item in load_spec()["paths"].items():
        parts = template.split("/")
        if len(parts) == len(segments) and all(
            p == s or (p.startswith("{") and s) for p, s in zip(parts, segments, strict=True)
        ):
            op = item.get(method.lower())
            if op is not None:
                return dict(op)
    return None


class ContractValidator:
    """Collects contract failures; thread-safe, usable directly as `on_request`."""

    def __init__(
        self, *, validate_rejected_requests: bool = False, rate_limit_headers: bool = True
    ) -> None:
        self.failures: list[ContractFailure] = []
        self.checked = 0
        self.validate_rejected_requests = validate_rejected_requests
        self.rate_limit_headers = rate_limit_headers
        self._lock = threading.Lock()
        # What openapi-core found for an exchange, by everything it looks at: the
        # suite repeats the same exchanges thousands of times (the same sandbox
        # read by run after run), and the answer for identical input is the same.
        self._found: dict[bytes, list[tuple[str, str]]] = {}
        # ...and for a request alone: the same request meets different answers
        # (a listing after each change), and checking it is most of the cost.
        self._request_found: dict[bytes, list[str]] = {}
        self.requests_reused = 0
        self.reused = 0

    # single checks, returning messages --------------------------------------------

    def request_errors(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> list[str]:
        if urlsplit(url).path == GRAPHQL_PATH:
            return _graphql_errors(method, body, "query")
        errors = _openapi().iter_request_errors(_request(method, url, headers, body))
        return [_describe(e) for e in errors]

    def response_errors(
        self,
        method: str,
        url: str,
        request_headers: dict[str, str],
        request_body: bytes,
        status: int,
        headers: dict[str, str],
        body: bytes,
    ) -> list[str]:
        out = self._header_errors(method, status, headers)
        if urlsplit(url).path == GRAPHQL_PATH and status == 200:
            return out + _graphql_errors(method, body, "data", "errors")
        op = _documented(method, url)
        if op is None:
            # An unknown path answered 404 is GitHub's own behaviour; anything else is not.
            if status != 404:
                out.append("no such operation in the subset")
            return out + _error_body_errors(status, body)
        if str(status) not in op["responses"]:
            if status == 304 and method.upper() == "GET":
                return out + (["304 with a body"] if body else [])
            if status >= 400 or status == 303:
                return out + _error_body_errors(status, body)
            return [*out, f"status {status} is not documented"]
        if status == 303 or (status >= 400 and not body):
            return out
        request = _request(method, url, request_headers, request_body)
        lower = {k.lower(): v for k, v in headers.items()}
        if status == 200:
            body = _documented_answer(method, canonical_path(urlsplit(url).path), body)
        response = _Response(
            status_code=status,
            headers=Headers(list(lower.items())),
            data=body or None,
            content_type=lower.get("content-type", "application/json").lower(),
        )
        errors = _openapi().iter_response_errors(request, response)
        return out + [_describe(e) for e in errors]

    def _header_errors(self, method: str, status: int, headers: dict[str, str]) -> list[str]:
        lower = {k.lower() for k in headers}
        expected = [h for h in COMMON_HEADERS if self.rate_limit_headers or "ratelimit" not in h]
        missing = [h for h in expected if h not in lower]
        if method.upper() == "GET" and status == 200 and "etag" not in lower:
            missing.append("etag")
        return [f"missing header {h}" for h in missing]

    # collection ---------------------------------------------------------------------

    def record(self, rec: RequestRecord) -> None:
        key = _exchange_key(rec)
        with self._lock:
            known = self._found.get(key)
        if known is None:
            known = self._check(rec)
            with self._lock:
                self._found[key] = known
        else:
            with self._lock:
                self.reused += 1
        with self._lock:
            self.checked += 1
            self.failures += [
                ContractFailure(rec.method, rec.url, rec.status, w, d) for w, d in known
            ]

    def _check(self, rec: RequestRecord) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if rec.status < 400 or self.validate_rejected_requests:
            found += [("request", e) for e in self._request_verdict(rec)]
        found += [
            ("response", e)
            for e in self.response_errors(
                rec.method,
                rec.url,
                rec.headers,
                rec.body,
                rec.status,
                rec.response_headers,
                rec.response_body,
            )
        ]
        return found

    def _request_verdict(self, rec: RequestRecord) -> list[str]:
        key = _request_key(rec)
        with self._lock:
            known = self._request_found.get(key)
            self.requests_reused += known is not None
        if known is None:
            known = self.request_errors(rec.method, rec.url, rec.headers, rec.body)
            with self._lock:
                self._request_found[key] = known
        return known

    __call__ = record

    def assert_clean(self) -> None:
        with self._lock:
            failures = list(self.failures)
        assert not failures, "contract failures:\n" + "\n".join(str(f) for f in failures)


def _exchange_key(rec: RequestRecord) -> bytes:
    """Everything a check reads, and nothing else.

    openapi-core reads the bodies, the content types and the values of the
    headers the description declares for that answer; `_header_errors` reads
    which headers are present. The request id, the date, the ETag and the rate
    counters differ on every answer, so their values would make every key new,
    and so would the emulator's port in every URL, the clock in every
    timestamp and the sandbox's random keys. A loopback URL that differs only in
    its port checks the same, and so does one valid date-time for another
    (`_DATE_TIME` keeps invalid ones). `key` and `key_id` are plain strings
    wherever the description declares them, `encrypted_value` any string of
    its base64 pattern, and the rate limit's counters plain integers (in
    `/rate_limit`'s body and the headers it declares): one such value checks
    as any other.
    """
    declared = _declared_headers(rec.method, urlsplit(rec.url).path, rec.status)
    digest = hashlib.blake2b(_request_key(rec), digest_size=20)
    digest.update(str(rec.status).encode("utf-8") + b"\0")
    for name, value in sorted((k.lower(), v) for k, v in rec.response_headers.items()):
        shown = _portless(value) if name in declared or name == "content-type" else ""
        if name in _COUNTER_HEADERS and _INTEGER.fullmatch(value):
            shown = "<integer>"
        digest.update(f"{name}: {shown}\n".encode())
    plain = _plain(rec.response_body)
    digest.update(len(plain).to_bytes(8, "big") + plain)
    return digest.digest()


def _request_key(rec: RequestRecord) -> bytes:
    """Everything the request check reads: the method, the URL, the content type
    and the body (no operation of the subset declares a header parameter or a
    security scheme), with `_exchange_key`'s allowances."""
    digest = hashlib.blake2b(digest_size=20)
    request_type = {k.lower(): v for k, v in rec.headers.items()}.get("content-type", "")
    for part in (rec.method, _portless(rec.url), request_type):
        digest.update(part.encode("utf-8") + b"\0")
    plain = _plain(rec.body)
    digest.update(len(plain).to_bytes(8, "big") + plain)
    return digest.digest()


def _plain(body: bytes) -> bytes:
    """A body with each value that checks as any other of its kind replaced by one."""
    plain = _DATE_TIME.sub(_any_valid_date_time, _LOOPBACK_PORT.sub(b"\\1", body))
    plain = _ANY_STRING.sub(b'"\\1": "<string>"', plain)
    plain = _ANY_COUNTER.sub(b'"\\1": 0', plain)
    return _ENCRYPTED.sub(_any_valid_base64, plain)


_LOOPBACK_PORT = re.compile(rb"(//(?:127\.0\.0\.1|localhost)):[0-9]{1,5}\b")


_DATE_TIME = re.compile(
    rb'"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2}))"'
)


def _any_valid_date_time(match: re.Match[bytes]) -> bytes:
    try:
        datetime.fromisoformat(match.group(1).decode("ascii"))
    except ValueError:
        return match.group(0)
    return b'"<date-time>"'


_ANY_STRING = re.compile(rb'"(key|key_id)": ?"(?:[^"\\]|\\.)*"')
# The rate limit's counters: plain integers wherever the description declares
# them (only in `rate-limit`, with no bounds), and new on every answer. A
# number with a fraction or an exponent is not an integer, and is kept.
_ANY_COUNTER = re.compile(rb'"(limit|remaining|reset|used)": ?-?[0-9]+(?![0-9.eE])')
# Declared for some answers (/rate_limit's), as plain integers; new on every answer.
_COUNTER_HEADERS = frozenset({"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"})
_INTEGER = re.compile(r"-?[0-9]+")
_ENCRYPTED = re.compile(rb'"encrypted_value": ?"([^"\\]*)"')
# The description's own pattern for encrypted_value.
_BASE64 = re.compile(
    rb"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"
)


def _any_valid_base64(match: re.Match[bytes]) -> bytes:
    if _BASE64.match(match.group(1)):
        return b'"encrypted_value": "<base64>"'
    return match.group(0)


def _portless(text: str) -> str:
    return _LOOPBACK_PORT.sub(b"\\1", text.encode("utf-8")).decode("utf-8")


@lru_cache(maxsize=4096)
def _declared_headers(method: str, path: str, status: int) -> frozenset[str]:
    op = _documented(method, path)
    response = (op or {}).get("responses", {}).get(str(status), {})
    while isinstance(response, dict) and "$ref" in response:
        node: Any = load_spec()
        for part in response["$ref"].split("/")[1:]:
            node = node[part]
        response = node
    return frozenset(name.lower() for name in response.get("headers", {}))


def _graphql_errors(method: str, body: bytes, *keys: str) -> list[str]:
    """A GraphQL request (keys: "query") or answer (keys: "data", "errors")."""
    if method.upper() != "POST":
        return [f"GraphQL takes POST, not {method}"]
    try:
        parsed = json.loads(body)
    except ValueError:
        return ["GraphQL body is not JSON"]
    if not isinstance(parsed, dict) or not any(k in parsed for k in keys):
        return [f"GraphQL body lacks {' or '.join(keys)}"]
    if "query" in keys and not isinstance(parsed["query"], str):
        return ["GraphQL query is not a string"]
    return []


def _error_body_errors(status: int, body: bytes) -> list[str]:
    if status == 303 or not body:
        return [] if status in {303, 304} or status >= 400 else ["empty body"]
    try:
        parsed = json.loads(body)
    except ValueError:
        return ["error body is not JSON"]
    if not isinstance(parsed, dict) or not isinstance(parsed.get("message"), str):
        return ["error body lacks a message"]
    if not isinstance(parsed.get("documentation_url"), str):
        return ["error body lacks a documentation_url"]
    return []


def _describe(error: BaseException) -> str:
    parts = [f"{type(error).__name__}: {error}"]
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None) or getattr(error, "schema_errors", None)
    if schema_errors:
        parts += [f"  - {getattr(e, 'message', e)}" for e in list(schema_errors)[:5]]
    elif cause is not None:
        parts.append(f"  caused by {type(cause).__name__}: {cause}")
    return "\n".join(parts)
