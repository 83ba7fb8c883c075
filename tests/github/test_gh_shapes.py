"""A 200 answer that is not what its endpoint returns is one error line, never a
traceback and never read as "nothing there" (issue 11, item 7).

Without the cache there is nothing to drop: the answer came from the wire. A
broken proxy in front of GitHub Enterprise answering 200 with its own page is
the real-world case; a tiny HTTP server on loopback plays it here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gh_support import FAST_RETRY, OWNER, REPO, TOKEN
from integration.proxy import serving

from reconciler.github import GitHubConnection, GitHubError, TokenCredentials, observe_repository
from reconciler.github.calls import OBJECT, Shape

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
    ],
)
def test_shapes(shape: Shape, data: object, fits: bool) -> None:
    assert shape.fits(data) is fits
