"""A 200 answer that is not what its endpoint returns is one error line, never a
traceback and never read as "nothing there" (issue 11, item 7).

Without the cache there is nothing to drop: the answer came from the wire. A
broken proxy in front of GitHub Enterprise answering 200 with its own page is
the real-world case; a tiny HTTP server on loopback plays it here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from gh_support import FAST_RETRY, FAST_TRANSPORT, OWNER, REPO, TOKEN
from integration.proxy import serving

from reconciler.github import GitHubConnection, GitHubError, TokenCredentials, observe_repository
from reconciler.github.bounds import MAX_ANSWER_BYTES, too_deep
from reconciler.github.rest import OBJECT, Shape
from reconciler.sandbox.github import FaultRule, GitHubEmulator

PROXY_BODIES = {
    "html": b"<html><body>Welcome to the proxy</body></html>",
    "error_body": b'{"message": "Bad credentials", "documentation_url": "https://docs"}',
    "list": b"[]",
}


@pytest.fixture(params=sorted(PROXY_BODIES))
def proxy(request: pytest.FixtureRequest) -> Iterator[str]:
    with serving(PROXY_BODIES[request.param]) as url:
        yield url


def test_the_library_raises_one_line(proxy: str) -> None:
    with (
        GitHubConnection(TokenCredentials(TOKEN), api_url=proxy, retry=FAST_RETRY) as conn,
        pytest.raises(GitHubError) as caught,
    ):
        observe_repository(conn, OWNER, REPO)
    assert caught.value.kind == "server"
    assert str(caught.value) == (
        f"GitHub answered 200 while listing environments of {OWNER}/{REPO}, but not with a "
        "JSON object with an array 'environments' as that endpoint returns (a proxy or "
        "cache in between?)"
    )


@pytest.mark.parametrize(
    ("shape", "data", "fits"),
    [
        (OBJECT, {"login": "a"}, True),
        (OBJECT, [], False),
        (OBJECT, "text", False),
        (OBJECT, {"message": "Not Found", "documentation_url": "x"}, False),
        # A real object may carry a message among its own fields.
        (OBJECT, {"message": "hi", "sha": "1"}, True),
        (Shape(fields=("key_id", "key")), {"key_id": "1"}, False),
        (Shape(fields=("key_id", "key")), {"key_id": "1", "key": "k"}, True),
        (Shape("list", fields=("login",)), [{"login": "a"}], True),
        (Shape("list", fields=("login",)), [{"id": 1}], False),
        (Shape("list"), {"items": []}, False),
        (Shape("listing", "secrets", ("name",)), {"total_count": 0, "secrets": []}, True),
        (Shape("listing", "secrets", ("name",)), {"total_count": 1, "secrets": [{}]}, False),
        (Shape("listing", "secrets", ("name",)), {"total_count": 0}, False),
        (Shape("listing", "secrets"), {"secrets": None}, False),
        (Shape("listing", "secrets"), {"secrets": ["A"]}, False),
        # Required fields have GitHub's types: names text, ids numbers.
        (Shape("listing", "variables", ("name",)), {"variables": [{"name": 5}]}, False),
        (Shape("listing", "variables", ("name",)), {"variables": [{"name": None}]}, False),
        (Shape(fields=("slug", "id")), {"slug": "ops", "id": "7"}, False),
        (Shape(fields=("slug", "id")), {"slug": "ops", "id": True}, False),
        (Shape(fields=("slug", "id")), {"slug": "ops", "id": 7}, True),
    ],
)
def test_shapes(shape: Shape, data: object, fits: bool) -> None:
    assert shape.fits(data) is fits


# Issue 17, item 5: every answer is bounded in size and depth before anything
# decodes it, in the one place all answers pass (our HTTP adapter).


@pytest.mark.parametrize(
    ("body", "deep"),
    [
        (b"[" * 64 + b"]" * 64, False),
        (b"[" * 65 + b"]" * 65, True),
        (b"[[]" * 65 + b"]" * 65, True),  # never more than 2 open in a row
        (b'{"a":[' * 32 + b"1" + b"]}" * 32, False),
        (b'{"a":[' * 33 + b"1" + b"]}" * 33, True),
        (b'["' + b"[" * 500 + b'"]', False),  # brackets in a string do not nest
        (b'["\\", ""' + b"[" * 500 + b'"]', False),  # nor do escaped quotes end one
        (b"[" * 500 + b"}" * 500, True),
        (b"<html>[[[ not json </html>", False),
    ],
)
def test_nesting_is_measured_without_decoding(body: bytes, deep: bool) -> None:
    assert too_deep(body) is deep


@pytest.fixture
def emu_conn(emu: GitHubEmulator) -> Iterator[GitHubConnection]:
    # Hostile answers are no GitHub answers: no contract validator here.
    with GitHubConnection(
        TokenCredentials(TOKEN), api_url=emu.url, transport=FAST_TRANSPORT, timeout=30
    ) as conn:
        yield conn


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[" * 5000 + b"]" * 5000, "a body that nests more than 64 levels deep"),
        (b" " * (MAX_ANSWER_BYTES + 1), "a body that is larger than 32 MiB"),
    ],
    ids=["deep", "large"],
)
def test_an_answer_past_the_bounds_is_one_error(
    body: bytes, says: str, emu: GitHubEmulator, emu_conn: GitHubConnection
) -> None:
    emu.add_fault(FaultRule("GET", r"/environments$", kind="body", status=200, body=body))
    with pytest.raises(GitHubError) as caught:
        observe_repository(emu_conn, OWNER, REPO)
    assert caught.value.kind == "server"
    assert str(caught.value) == (
        f"GitHub answered 200 to GET /repos/{OWNER}/{REPO}/environments with {says}, which "
        "no GitHub answer does (a proxy in between?); it was not read"
    )


class _Chunked(BaseHTTPRequestHandler):
    """Answers every GET with 200 and 33 chunks of 1 MiB: no Content-Length to refuse."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b" " * (1024 * 1024)
        try:
            for _ in range(33):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hung up once it had seen enough

    def log_message(self, *_: object) -> None:
        pass


def test_an_answer_without_a_length_is_cut_off_at_the_bound() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Chunked)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with (
            GitHubConnection(TokenCredentials(TOKEN), api_url=url, retry=FAST_RETRY) as conn,
            pytest.raises(GitHubError) as caught,
        ):
            observe_repository(conn, OWNER, REPO)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert "with a body that is larger than 32 MiB" in str(caught.value)


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        (
            r"/environments$",
            {"total_count": 1, "environments": [{"name": "dev", "protection_rules": [5]}]},
            f"GitHub answered while listing environments of {OWNER}/{REPO}, but a field of its "
            "answer is not what that endpoint returns (AttributeError; a proxy or cache in "
            "between?)",
        ),
        (
            r"/environments$",
            {
                "total_count": 1,
                "environments": [
                    {"name": "dev", "protection_rules": [{"type": "wait_timer", "wait_timer": "x"}]}
                ],
            },
            "(ValueError; a proxy or cache in between?)",
        ),
        (
            r"/actions/variables$",
            {"total_count": 1, "variables": [{"name": 5, "value": "x"}]},
            f"GitHub answered 200 while listing variables of {OWNER}/{REPO}, but not with a JSON "
            "object with an array 'variables' as that endpoint returns",
        ),
    ],
    ids=["rule-not-an-object", "wait-timer-not-a-number", "name-a-number"],
)
def test_a_field_of_the_wrong_type_is_one_error(
    path: str, body: object, says: str, emu: GitHubEmulator, emu_conn: GitHubConnection
) -> None:
    emu.add_fault(FaultRule("GET", path, kind="body", status=200, body=json.dumps(body).encode()))
    with pytest.raises(GitHubError) as caught:
        observe_repository(emu_conn, OWNER, REPO)
    assert says in str(caught.value)
