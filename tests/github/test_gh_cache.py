"""The conditional-request cache against the emulator over real HTTP.

Each test seeds repositories, observes them once to fill a cache directory,
then observes again through a new connection, as a second `reconcile plan`
run would.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import pytest
import requests
import structlog
from gh_support import FAST_TRANSPORT, OWNER, REPO, TOKEN, app_key_pair, team_id, user_id
from request_log import log_of, logged

from reconciler.github import (
    GitHubConnection,
    TokenCredentials,
    connection_from_env,
    observe_repository,
)
from reconciler.github.cache import (
    ConditionalCache,
    app_identity,
    default_cache_dir,
    resolve_cache_dir,
    token_identity,
)
from reconciler.model.observed import ObservedRepository
from reconciler.sandbox.github import GitHubEmulator
from reconciler.sandbox.github.records import LoggedRequest

REPOS = (REPO, "api", "worker")
OTHER_TOKEN = "test-token-other-" + secrets.token_hex(12)


def _seed(emu: GitHubEmulator) -> None:
    team = team_id(emu, "approvers", ("alice", "bob"))
    octocat = user_id(emu, "octocat")
    for name in REPOS:
        if name != REPO:
            emu.add_repo(OWNER, name)
        emu.grant_team(OWNER, "approvers", OWNER, name)
        emu.add_collaborator(OWNER, name, "octocat")
        emu.put_environment(OWNER, name, "dev")
        emu.put_environment(OWNER, name, "staging", reviewers=[("Team", team)])
        emu.put_environment(
            OWNER,
            name,
            "prod",
            prevent_self_review=True,
            reviewers=[("Team", team), ("User", octocat)],
            deployment_branch_policy=(False, True),
        )
        emu.add_branch_policy(OWNER, name, "prod", "main")
        # More than one page of variables (30 a page) exercises the Link header replay.
        for i in range(35):
            emu.set_variable(OWNER, name, "prod", f"VAR_{i:02d}", f"value-{i}")
        emu.set_variable(OWNER, name, "dev", "ROLE", "arn:aws:iam::111111111111:role/dev")
        emu.set_secret(OWNER, name, "prod", "DEPLOY_KEY", "s3cr3t-deploy-value")
        emu.set_variable(OWNER, name, None, "REPO_LEVEL", "yes")


@pytest.fixture
def seeded(emu: GitHubEmulator) -> GitHubEmulator:
    _seed(emu)
    return emu


@pytest.fixture
def cached_conn(emu: GitHubEmulator, tmp_path: Path) -> Iterator[_Factory]:
    made: list[GitHubConnection] = []

    def factory(
        token: str = TOKEN, cache_dir: Path | None = tmp_path / "cache"
    ) -> GitHubConnection:
        conn = GitHubConnection(
            TokenCredentials(token),
            api_url=emu.url,
            transport=FAST_TRANSPORT,
            pacer=logged(FAST_TRANSPORT.pacer),
            timeout=10,
            cache_dir=cache_dir,
        )
        made.append(conn)
        return conn

    yield factory
    for conn in made:
        conn.close()


class _Factory(Protocol):
    def __call__(self, token: str = ..., cache_dir: Path | None = ...) -> GitHubConnection: ...


def _observe_all(conn: GitHubConnection) -> dict[str, ObservedRepository]:
    # Several worker threads at once, as observe_github runs them.
    with ThreadPoolExecutor(max_workers=len(REPOS)) as pool:
        results = list(pool.map(lambda name: observe_repository(conn, OWNER, name), REPOS))
    return {r.full_name: r for r in results}


def _gets(emu: GitHubEmulator) -> list[LoggedRequest]:
    return [r for r in emu.requests if r.method == "GET"]


def _primary_used(emu: GitHubEmulator) -> int:
    # GET /rate_limit itself is free, on GitHub and in the emulator.
    answer = requests.get(
        f"{emu.url}/rate_limit", headers={"Authorization": f"token {TOKEN}"}, timeout=10
    )
    used: int = answer.json()["resources"]["core"]["used"]
    return used


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json") if p.is_file())


def test_second_run_revalidates_every_get_and_most_answer_304(
    seeded: GitHubEmulator, cached_conn: _Factory, tmp_path: Path
) -> None:
    first_conn = cached_conn()
    first = _observe_all(first_conn)
    first_gets = _gets(seeded)
    assert first_gets and not any(r.conditional for r in first_gets)
    assert len(_entries(tmp_path / "cache")) == sum(1 for r in first_gets if r.status == 200)
    spent_before = _primary_used(seeded)
    seeded.clear_requests()

    second_conn = cached_conn()
    second = _observe_all(second_conn)

    gets = _gets(seeded)
    assert len(gets) == len(first_gets)
    assert all(r.conditional for r in gets)
    assert sum(r.was_304 for r in gets) / len(gets) >= 0.95
    assert second == first
    # The pacer's observer saw the same exchanges, with the 304s recorded as such.
    events = [e for e in log_of(second_conn).events if e.method == "GET"]
    assert len(events) == len(gets)
    assert sum(e.status == 304 for e in events) == sum(r.was_304 for r in gets)
    assert not any(e.status == 304 for e in log_of(first_conn).events)
    # GitHub does not count an authorized 304 against the primary limit.
    fresh = sum(1 for r in gets if not r.was_304)
    assert _primary_used(seeded) == spent_before + fresh


def test_a_changed_variable_is_answered_in_full_and_seen(
    seeded: GitHubEmulator, cached_conn: _Factory
) -> None:
    _observe_all(cached_conn())
    seeded.set_variable(OWNER, "api", "dev", "ROLE", "arn:aws:iam::111111111111:role/changed")
    seeded.clear_requests()

    second = _observe_all(cached_conn())

    dev = second[f"{OWNER}/api"].environment("dev")
    assert dev is not None and dev.variables["ROLE"].value.endswith("role/changed")
    changed = f"/repos/{OWNER}/api/environments/dev/variables"
    fresh = [r for r in _gets(seeded) if not r.was_304]
    assert [(r.path, r.status, r.conditional) for r in fresh] == [(changed, 200, True)]

    # The fresh answer replaced the kept one: a third run is all 304, with the new value.
    seeded.clear_requests()
    third = _observe_all(cached_conn())
    assert all(r.was_304 for r in _gets(seeded))
    assert third == second


def test_another_token_does_not_reuse_entries(
    seeded: GitHubEmulator, cached_conn: _Factory, tmp_path: Path
) -> None:
    seeded.add_token(OTHER_TOKEN, login="other")
    _observe_all(cached_conn())
    stores_before = {p.parent for p in _entries(tmp_path / "cache")}
    seeded.clear_requests()

    _observe_all(cached_conn(OTHER_TOKEN))

    gets = _gets(seeded)
    assert gets and not any(r.conditional or r.was_304 for r in gets)
    stores_after = {p.parent for p in _entries(tmp_path / "cache")}
    assert len(stores_before) == 1 and len(stores_after) == 2


def test_without_a_cache_dir_nothing_is_conditional(
    seeded: GitHubEmulator, cached_conn: _Factory, tmp_path: Path
) -> None:
    for _ in range(2):
        conn = cached_conn(cache_dir=None)
        _observe_all(conn)
        assert conn.cache is None
    assert not any(r.conditional for r in seeded.requests)
    assert not (tmp_path / "cache").exists()


def test_garbage_in_the_cache_is_ignored_with_one_warning(
    seeded: GitHubEmulator, cached_conn: _Factory, tmp_path: Path
) -> None:
    expected = _observe_all(cached_conn())
    entries = _entries(tmp_path / "cache")
    for i, entry in enumerate(entries):
        # Garbage, a truncated entry, and a well-formed JSON that is no entry.
        kind = i % 3
        if kind == 0:
            entry.write_bytes(b"\x00\xffnot json at all")
        elif kind == 1:
            entry.write_bytes(entry.read_bytes()[:40])
        else:
            entry.write_text('{"version": 1, "url": "elsewhere"}')
    seeded.clear_requests()

    with structlog.testing.capture_logs() as logs:
        observed = _observe_all(cached_conn())

    assert observed == expected
    assert not any(r.was_304 for r in seeded.requests)
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert len(warnings) == 1
    assert str(tmp_path / "cache") == warnings[0]["cache_dir"]
    # The bad entries were replaced by good ones: the next run revalidates again.
    seeded.clear_requests()
    assert _observe_all(cached_conn()) == expected
    assert all(r.was_304 for r in _gets(seeded))


def test_a_cache_dir_that_is_a_file_is_ignored_with_one_warning(
    seeded: GitHubEmulator, cached_conn: _Factory, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_bytes(b"occupied")

    with structlog.testing.capture_logs() as logs:
        first = _observe_all(cached_conn(cache_dir=blocker))
        second = _observe_all(cached_conn(cache_dir=blocker))

    assert first == second
    assert not any(r.conditional for r in seeded.requests)
    # One line per connection (each run makes one), not one per request.
    assert len([e for e in logs if e["log_level"] == "warning"]) == 2
    assert blocker.read_bytes() == b"occupied"


def test_the_token_is_nowhere_under_the_cache_dir(
    seeded: GitHubEmulator, cached_conn: _Factory, tmp_path: Path
) -> None:
    _observe_all(cached_conn())
    _observe_all(cached_conn())
    root = tmp_path / "cache"
    files = [p for p in root.rglob("*") if p.is_file()]
    assert len(files) > 10
    token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
    for path in root.rglob("*"):
        assert TOKEN not in str(path) and token_hash not in str(path)
    for path in files:
        data = path.read_bytes()
        assert TOKEN.encode() not in data
        assert token_hash.encode() not in data
        # Secret values are never returned by GitHub, so never kept either.
        assert b"s3cr3t-deploy-value" not in data


def test_an_app_reuses_entries_across_installation_tokens(
    seeded: GitHubEmulator, tmp_path: Path
) -> None:
    private, public = app_key_pair()
    seeded.add_app(31337, public, {OWNER: 55}, slug="reconcile-bot")
    env = {
        "GITHUB_API_URL": seeded.url,
        "GITHUB_APP_ID": "31337",
        "GITHUB_APP_PRIVATE_KEY": private,
    }

    observed = []
    for _ in range(2):
        seeded.clear_requests()
        conn = connection_from_env(
            env, OWNER, REPO, transport=FAST_TRANSPORT, cache_dir=tmp_path / "cache"
        )
        observed.append(observe_repository(conn, OWNER, REPO))
        conn.close()

    assert observed[0] == observed[1]
    # The App's own JWT calls are never conditional, whatever the run.
    app_calls = [r for r in seeded.requests if r.path.endswith(("/installation", "/access_tokens"))]
    assert {(r.method, r.conditional) for r in app_calls} == {("GET", False), ("POST", False)}
    reads = [r for r in _gets(seeded) if not r.path.endswith("/installation")]
    assert reads and all(r.was_304 for r in reads)


def test_what_is_cacheable() -> None:
    cache = ConditionalCache(
        Path("/nonexistent"), api_url="https://ghe.example/api/v3", identity="x"
    )
    base = "https://ghe.example:443/api/v3"
    assert cache.cacheable("GET", f"{base}/repos/o/r/environments?per_page=100")
    assert cache.cacheable("GET", f"{base}/repos/o/r/actions/secrets/public-key")
    assert not cache.cacheable("POST", f"{base}/repos/o/r/dispatches")
    assert not cache.cacheable("PUT", f"{base}/repos/o/r/environments/prod")
    assert not cache.cacheable("GET", f"{base}/app")
    assert not cache.cacheable("GET", f"{base}/app/installations")
    assert not cache.cacheable("POST", f"{base}/app/installations/5/access_tokens")
    assert not cache.cacheable("GET", f"{base}/repos/o/r/installation")


def test_identities_differ_by_credential_and_never_hold_the_token() -> None:
    assert token_identity(TOKEN) != token_identity(OTHER_TOKEN)
    assert TOKEN not in token_identity(TOKEN)
    assert app_identity(1, 2) != app_identity(1, 3)
    root = Path("/c")
    stores = {
        ConditionalCache(root, api_url=url, identity=who).directory
        for url in ("https://api.github.com", "https://ghe.example/api/v3")
        for who in (token_identity(TOKEN), token_identity(OTHER_TOKEN))
    }
    assert len(stores) == 4


def test_threads_sharing_a_store_only_ever_read_whole_entries(tmp_path: Path) -> None:
    cache = ConditionalCache(tmp_path, api_url="https://api.github.com", identity="t")
    url = "https://api.github.com:443/repos/o/r/environments"
    bodies = [f'{{"n": {i}, "pad": "{"x" * 5000}"}}'.encode() for i in range(8)]
    problems: list[str] = []
    start = threading.Barrier(8)

    def worker(i: int) -> None:
        start.wait()
        for _ in range(40):
            cache.store(url, "application/json", {"ETag": f'"{i}"', "Link": "<x>"}, bodies[i])
            kept = cache.lookup(url, "application/json")
            if kept is None or kept.body != bodies[int(kept.etag.strip('"'))]:
                problems.append(repr(kept))

    with structlog.testing.capture_logs() as logs, ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(worker, range(8)))

    assert problems == []
    assert logs == []
    assert [p.name for p in tmp_path.rglob(".tmp-*")] == []


def test_answers_without_an_etag_or_marked_no_store_are_not_kept(tmp_path: Path) -> None:
    cache = ConditionalCache(tmp_path, api_url="https://api.github.com", identity="t")
    url = "https://api.github.com:443/user"
    assert not cache.store(url, "", {"Content-Type": "application/json"}, b"{}")
    assert not cache.store(url, "", {"ETag": '"a"', "Cache-Control": "no-store"}, b"{}")
    assert cache.lookup(url, "") is None
    assert cache.store(url, "", {"ETag": '"a"', "X-RateLimit-Remaining": "9"}, b"{}")
    kept = cache.lookup(url, "")
    assert kept is not None and dict(kept.headers) == {"etag": '"a"'}
    # Another Accept is another representation.
    assert cache.lookup(url, "application/vnd.github.raw+json") is None


def test_default_cache_dir_and_options(tmp_path: Path) -> None:
    xdg = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert default_cache_dir(xdg) == tmp_path / "xdg" / "reconcile"
    assert default_cache_dir({}) == Path.home() / ".cache" / "reconcile"
    # A relative XDG_CACHE_HOME is invalid per the XDG spec and ignored.
    assert default_cache_dir({"XDG_CACHE_HOME": "rel"}) == Path.home() / ".cache" / "reconcile"
    assert resolve_cache_dir(None, environ=xdg) == tmp_path / "xdg" / "reconcile"
    assert resolve_cache_dir(tmp_path / "mine", environ=xdg) == tmp_path / "mine"
    assert resolve_cache_dir(tmp_path / "mine", disabled=True, environ=xdg) is None
