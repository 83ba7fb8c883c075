"""The conditional-request cache never crashes or lies (issue 11, item 7).

Each test converges the sandbox, fills the cache with one `reconcile plan`,
then rewrites real entries on disk so that their ETag still matches (GitHub
answers 304 and the kept body is what the plan would read) but their body is
not what the endpoint returns. The next plan must read live state all the
same, say so in one warning line, and leave a cache that the run after it
can use again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.github.cache import RELOAD_HEADER, REVIVED_HEADER
from reconciler.sandbox.github.records import RequestRecord
from reconciler.sandbox.runner import Sandbox

from .helpers import ADMIN, OWNER, CliRunner, plan_json, writes
from .proxy import serving

Body = Callable[[str], str]

# Bodies a broken proxy, an old bug or a hand edit could leave behind.
ERROR_BODY = json.dumps(
    {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
)
CORRUPTIONS: dict[str, Body] = {
    "not_json": lambda _: "<html><body>502 Bad Gateway</body></html>",
    "list_for_mapping": lambda _: "[]",
    "error_body_on_list": lambda _: ERROR_BODY,
    "items_without_names": lambda body: json.dumps(
        {**json.loads(body), "environments": [{"id": 1}], "variables": [{}], "secrets": [7]}
    ),
}


def _cache_entries(cache_root: Path) -> list[Path]:
    return sorted((cache_root / "reconcile" / "github").rglob("*.json"))


def _rewrite(entry: Path, body: Body) -> str:
    document = json.loads(entry.read_text(encoding="utf-8"))
    document["body"] = body(document["body"])
    entry.write_text(json.dumps(document), encoding="utf-8")
    return str(document["url"])


def _warnings(err: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("level") == "warning"]


def _fresh_gets(sandbox: Sandbox) -> list[str]:
    return sorted(r.path for r in sandbox.github.requests if r.method == "GET" and not r.was_304)


def _plan(cli: CliRunner, sandbox: Sandbox) -> tuple[int, dict[str, object], str]:
    before = len(sandbox.github.requests)
    result = cli("plan", "--format", "json", "--detailed-exitcode")
    assert writes(sandbox, before) == [], "plan must never write"
    assert "Traceback" not in result.err, result.err
    return result.code, plan_json(result.out), result.err


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_a_wrong_body_is_dropped_and_fetched_again_with_one_warning(
    kind: str, cli: CliRunner, converged: Sandbox, tmp_path: Path
) -> None:
    sandbox = converged
    code, expected, _ = _plan(cli, sandbox)
    assert code == 0 and expected["changes"] == []
    # A warm run: what is never answered 304 (rate limit, the dispatch check's own
    # connection, which keeps no cache) is the baseline for the last run below.
    sandbox.github.clear_requests()
    _plan(cli, sandbox)
    uncached = _fresh_gets(sandbox)
    entries = _cache_entries(tmp_path / "cache")
    listings = [
        e
        for e in entries
        if json.loads(e.read_text())["url"].split("?")[0].endswith(("/environments", "/variables"))
        or "/secrets?" in json.loads(e.read_text())["url"]
    ]
    assert len(listings) >= 6, [e.name for e in entries]
    corrupted = {_rewrite(e, CORRUPTIONS[kind]).split("?")[0] for e in listings}
    sent: list[RequestRecord] = []
    validator = sandbox.github.on_request
    assert validator is not None

    def record(exchange: RequestRecord) -> None:
        sent.append(exchange)
        validator(exchange)

    sandbox.github.on_request = record
    sandbox.github.clear_requests()

    code, doc, err = _plan(cli, sandbox)

    # Live state, not the entries: the environments and their variables are there.
    assert (code, doc) == (0, expected)
    warnings = _warnings(err)
    assert len(warnings) == 1, warnings
    assert "cache" in str(warnings[0]["event"]).lower()
    # Each broken entry cost one 304 and one unconditional GET, nothing more.
    requests = sandbox.github.requests
    for url in corrupted:
        path = url.split("://", 1)[1].split("/", 1)[1]
        asked = [(r.conditional, r.status) for r in requests if r.path == f"/{path}"]
        assert asked == [(True, 304), (False, 200)], (path, asked)
    # Our own marks between client and adapter never reach GitHub.
    for exchange in sent:
        names = {name.lower() for name in exchange.headers}
        assert RELOAD_HEADER.lower() not in names and REVIVED_HEADER.lower() not in names

    # The fresh answers replaced the bad entries: the next run is all 304, silent.
    sandbox.github.clear_requests()
    code, again, err = _plan(cli, sandbox)
    assert (code, again) == (0, expected)
    assert _warnings(err) == []
    assert _fresh_gets(sandbox) == uncached


def test_a_wrong_body_for_a_team_or_user_is_fetched_again(
    cli: CliRunner, converged: Sandbox, tmp_path: Path
) -> None:
    sandbox = converged
    _, expected, _ = _plan(cli, sandbox)
    lookups = [
        e
        for e in _cache_entries(tmp_path / "cache")
        if "/teams/" in json.loads(e.read_text())["url"]
        or "/users/" in json.loads(e.read_text())["url"]
    ]
    assert lookups
    for entry in lookups:
        _rewrite(entry, lambda _: '[{"login": "mallory", "id": 1}]')

    code, doc, err = _plan(cli, sandbox)

    assert (code, doc) == (0, expected)
    assert len(_warnings(err)) == 1


def test_without_the_cache_a_wrong_body_is_one_line_not_a_traceback(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Nothing to drop: a proxy in front of GitHub answering 200 with its own page.
    config = tmp_path / "environments.yaml"
    config.write_text(
        f"version: 1\ngithub: {{owner: {OWNER}}}\n"
        "environments: {dev: {required_approvals: 0}}\n"
        f"repositories: {{{ADMIN}: {{}}}}\n"
    )
    monkeypatch.setenv("GITHUB_TOKEN", "t" * 40)
    with serving(b"<html>proxy</html>") as proxy:
        monkeypatch.setenv("GITHUB_API_URL", proxy)
        result = cli("plan", "-c", config, "--no-cache")

    assert result.code == 1
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, result.err
    # The first GET of a plan reads the rate limit; that is where it stops.
    assert errors[0].startswith("error: GitHub answered 200 while reading the rate limit, but")


# Issue 17, item 5: entries that would crash the request they serve (an ETag
# the HTTP library refuses to send, JSON nested past the decoder's limit).
Entry = Callable[[dict[str, object]], str]
UNUSABLE: dict[str, Entry] = {
    "etag_with_a_newline": lambda d: json.dumps({**d, "etag": 'W/"abc"\nX-Injected: 1'}),
    "etag_beyond_latin_1": lambda d: json.dumps({**d, "etag": 'W/"\u20ac\u4e2d"'}),
    "entry_nested_5000_deep": lambda d: (
        json.dumps(d)[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}"
    ),
    "body_nested_5000_deep": lambda d: json.dumps({**d, "body": "[" * 5000 + "]" * 5000}),
}


@pytest.mark.parametrize("kind", sorted(UNUSABLE))
def test_an_entry_that_cannot_be_used_is_dropped_with_one_warning(
    kind: str, cli: CliRunner, converged: Sandbox, tmp_path: Path
) -> None:
    sandbox = converged
    code, expected, _ = _plan(cli, sandbox)
    assert code == 0 and expected["changes"] == []
    good = {e: json.loads(e.read_text()) for e in _cache_entries(tmp_path / "cache")}
    assert any(str(d["url"]).endswith("/rate_limit") for d in good.values()), good

    def spoil() -> None:
        for entry, document in good.items():
            entry.write_text(UNUSABLE[kind](document), encoding="utf-8")

    spoil()
    sandbox.github.clear_requests()

    code, doc, err = _plan(cli, sandbox)

    assert (code, doc) == (0, expected), err
    assert len(_warnings(err)) == 1, err
    # Nothing was sent conditionally: no kept entry was usable.
    assert not [r for r in sandbox.github.requests if r.conditional]
    # Replaced by good entries: the next run is silent again.
    code, again, err = _plan(cli, sandbox)
    assert (code, again, _warnings(err)) == (0, expected, [])
    # apply reads through the same cache.
    spoil()
    result = cli("apply", "--yes")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert len(_warnings(result.err)) == 1, result.err
