"""`reconcile approvals` through the CLI against the sandbox (issue 18).

Every verdict end to end, with the read-only token the sandbox prints (what
the nightly check runs with); every test proves from the emulator's own log
that the command wrote nothing and kept to 3 requests per deployment plus the
listings' pages.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from reconciler.sandbox.github import FaultRule
from reconciler.sandbox.runner import Sandbox

from .helpers import ADMIN, OWNER, PLATFORM, CliResult, CliRunner, writes

ALICE, BOB = "platform-approvers-alice", "platform-approvers-bob"  # the seeded reviewers
DEV, OTHER, ADMIN_LOGIN = "dev-carol", "dev-dan", "sandbox-admin"


@pytest.fixture
def reader(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The sandbox, with the CLI using its read-only token."""
    monkeypatch.setenv("GITHUB_TOKEN", sandbox.read_token)
    return sandbox


def audit(cli: CliRunner, sandbox: Sandbox, *extra: str) -> tuple[CliResult, list[Any]]:
    """`approvals` as JSON; checks it wrote nothing; returns the requests it made."""
    before = len(sandbox.github.requests)
    result = cli("approvals", "--format", "json", "--no-cache", *extra)
    made = sandbox.github.requests[before:]
    assert writes(sandbox, before) == [], "approvals must never write"
    assert {r.method for r in made} <= {"GET"}
    return result, made


def by_id(result: CliResult) -> dict[int, dict[str, Any]]:
    assert result.code in (0, 2), result.err
    doc = json.loads(result.out)
    return {d["deployment_id"]: d for d in doc["deployments"]}


def metered(made: list[Any]) -> list[Any]:
    return [r for r in made if r.path != "/rate_limit"]


def test_every_verdict_end_to_end_with_the_read_only_token(cli: CliRunner, reader: Sandbox) -> None:
    gh = reader.github

    def job(env: str, **kw: Any) -> int:
        return gh.record_job(OWNER, PLATFORM, env, **{"actor": DEV, **kw}).deployment_id

    deleted = gh.record_job(OWNER, PLATFORM, "prod", actor=DEV, reviews=[("approved", BOB)])
    gh.delete_run(OWNER, PLATFORM, deleted.run_id or 0)
    by_hand = job("prod", via_actions=False)
    expected = {
        job("prod", reviews=[("approved", ALICE)]): ("approved", [ALICE], []),
        job("prod", reviews=[("approved", DEV)]): ("self_approved", [DEV], []),
        job("prod", reviews=[("skipped", ADMIN_LOGIN)]): ("bypassed", [], [ADMIN_LOGIN]),
        job("prod"): ("unapproved", [], []),
        job("prod", rerun_by=OTHER, reviews=[("approved", BOB)]): ("approved", [BOB], []),
        job("prod", rerun_by=OTHER, reviews=[("approved", OTHER)]): ("self_approved", [OTHER], []),
        job("staging", reviews=[("rejected", BOB)]): ("rejected", [], []),
        job("prod", outcome="waiting"): ("pending", [], []),
        job("dev"): ("not_required", [], []),
        deleted.deployment_id: ("unknown", [], []),
        by_hand: ("unknown", [], []),
        job("prod", reviews=[("approved", ALICE)], link="check_run"): ("approved", [ALICE], []),
    }

    result, made = audit(cli, reader, "--detailed-exitcode")

    assert result.code == 2, result.err
    got = by_id(result)
    assert {
        k: (v["verdict"], v["approved_by"], v["skipped_by"]) for k, v in got.items()
    } == expected
    assert got[deleted.deployment_id]["detail"] == (
        f"run {deleted.run_id} not found (404: Not Found): it was deleted, or is older than "
        "GitHub keeps"
    )
    assert got[by_hand]["detail"] == (
        f"created by {DEV} through the API, not by a GitHub Actions job: no review gate applies "
        "to it"
    )
    rerun = [d for d in got.values() if d["approved_by"] == [BOB] and d["verdict"] == "approved"]
    assert rerun[0]["triggered_by"] == OTHER
    assert {d["repository"] for d in got.values()} == {f"{OWNER}/{PLATFORM}"}
    # 2 listings; per deployment its statuses (12), then per run at most the run and its
    # reviews: 8 linked runs read in full, the deleted one once (404), the run of the
    # older link form found by the search (which returns it whole) then its reviews;
    # nothing for dev (no approvals) or the API deployment (no run).
    assert len(metered(made)) == 2 + 12 + 8 * 2 + 1 + 2 == 33
    assert len(metered(made)) <= 2 + 3 * len(expected)


def test_a_clean_window_exits_0_and_violations_only_with_the_flag(
    cli: CliRunner, reader: Sandbox
) -> None:
    gh = reader.github
    gh.record_job(OWNER, PLATFORM, "prod", actor=DEV, reviews=[("approved", ALICE)])
    gh.record_job(OWNER, ADMIN, "staging", actor=DEV, reviews=[("approved", DEV)])
    gh.record_job(OWNER, ADMIN, "dev", actor=DEV)
    clean, _ = audit(cli, reader, "--detailed-exitcode")
    assert clean.code == 0, clean.err
    assert sorted(d["verdict"] for d in by_id(clean).values()) == [
        "approved",
        "approved",
        "not_required",
    ]
    gh.record_job(OWNER, ADMIN, "prod", actor=DEV, reviews=[("skipped", ADMIN_LOGIN)])
    without_flag, _ = audit(cli, reader)
    assert without_flag.code == 0
    with_flag, _ = audit(cli, reader, "--detailed-exitcode")
    assert with_flag.code == 2


def test_a_run_whose_reviews_are_refused_is_unknown_and_says_why(
    cli: CliRunner, reader: Sandbox
) -> None:
    gh = reader.github
    job = gh.record_job(OWNER, PLATFORM, "prod", actor=DEV, reviews=[("approved", ALICE)])
    gh.add_fault(
        FaultRule("GET", rf"/actions/runs/{job.run_id}/approvals$", status=403, message="no")
    )
    result, _ = audit(cli, reader, "--detailed-exitcode")
    assert result.code == 2
    shown = by_id(result)[job.deployment_id]
    assert shown["verdict"] == "unknown"
    assert shown["detail"] == (
        f"GitHub refused reading the review history of run {job.run_id} (403: no); "
        "it needs Actions: read"
    )
    assert shown["run_id"] == job.run_id and shown["triggered_by"] == DEV


def test_the_window_and_the_filters(cli: CliRunner, reader: Sandbox) -> None:
    gh = reader.github
    now = gh.now()
    old = gh.record_job(
        OWNER, PLATFORM, "prod", actor=DEV, at=now - timedelta(days=3)
    ).deployment_id
    recent = gh.record_job(OWNER, PLATFORM, "prod", actor=DEV).deployment_id
    staging = gh.record_job(OWNER, PLATFORM, "staging", actor=DEV).deployment_id
    other = gh.record_job(OWNER, ADMIN, "prod", actor=DEV).deployment_id

    default, _ = audit(cli, reader)
    assert set(by_id(default)) == {recent, staging, other}
    week, _ = audit(cli, reader, "--since", "7d")
    assert set(by_id(week)) == {old, recent, staging, other}
    only, made = audit(cli, reader, "--repo", PLATFORM, "--env", "prod", "--since", "7d")
    assert set(by_id(only)) == {old, recent}
    assert not [r for r in made if ADMIN in r.path or "/deployments/" + str(staging) in r.path]
    json_since = json.loads(default.out)["since"]
    assert json_since.endswith("Z") and len(json_since) == 20


def test_paging_stops_at_the_first_deployment_older_than_the_window(
    cli: CliRunner, reader: Sandbox
) -> None:
    gh = reader.github
    now = gh.now()
    for i in range(150):
        gh.record_job(OWNER, PLATFORM, "dev", actor=DEV, at=now - timedelta(days=30, minutes=i))
    for i in range(120):
        gh.record_job(OWNER, PLATFORM, "dev", actor=DEV, at=now - timedelta(minutes=i))
    result, made = audit(cli, reader, "--repo", PLATFORM)
    assert len(by_id(result)) == 120
    listings = [r for r in made if r.path.endswith("/deployments")]
    assert len(listings) == 2  # of 3 pages: the second one reached 30 days back


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "error: --since 'yesterday' is neither a duration nor a date"),
        (["--env", "qa"], "error: --env 'qa' is not an environment of the config"),
    ],
)
def test_wrong_input_is_one_line_and_exit_1_before_any_request(
    cli: CliRunner, reader: Sandbox, args: list[str], message: str
) -> None:
    before = len(reader.github.requests)
    result = cli("approvals", *args)
    assert result.code == 1
    assert result.err.startswith(message), result.err
    assert len(result.err.strip().splitlines()) == 1
    assert len(reader.github.requests) == before


def test_text_and_markdown_name_the_violation_first(cli: CliRunner, reader: Sandbox) -> None:
    gh = reader.github
    gh.record_job(OWNER, PLATFORM, "prod", actor=DEV, reviews=[("approved", ALICE)])
    skipped = gh.record_job(OWNER, PLATFORM, "prod", actor=DEV, reviews=[("skipped", ADMIN_LOGIN)])
    text = cli("approvals")
    assert text.code == 0, text.err
    first = text.out.splitlines()[0]
    assert first.startswith("bypassed ") and f"deployment {skipped.deployment_id}" in first
    assert text.out.rstrip().endswith("1 violation (self_approved/bypassed/unapproved/unknown).")
    markdown = cli("approvals", "--format", "markdown")
    assert markdown.out.startswith("## reconcile approvals")
    assert "| ❌ | **bypassed** |" in markdown.out
