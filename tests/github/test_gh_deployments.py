"""The deployments reader (reconciler.github.deployments and .runs) against the
emulator over real HTTP: linking deployments to runs, the search when no
status names one, what it reads once, and what it reports instead of failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from gh_support import FULL, OWNER, REPO

from reconciler.github import GitHubConnection, GitHubError, RepositoryNotFound
from reconciler.github.deployments import observe_deployments, run_link
from reconciler.model.approvals import ObservedDeployment, RunEvidence
from reconciler.model.desired import DesiredEnvironment, DesiredRepository, DesiredState
from reconciler.model.findings import Code
from reconciler.sandbox.github import FaultRule, GitHubEmulator

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def _env(name: str, approvals: int) -> DesiredEnvironment:
    return DesiredEnvironment(name, approvals, (), approvals == 2, 0, None)


def _desired(*repos: str) -> DesiredState:
    envs = (_env("dev", 0), _env("staging", 1), _env("prod", 2))
    return DesiredState(
        owner=OWNER, repositories=tuple(DesiredRepository(OWNER, r, envs) for r in repos or (REPO,))
    )


def _observe(
    conn: GitHubConnection, since: datetime = LONG_AGO, *repos: str
) -> dict[int, tuple[ObservedDeployment, RunEvidence | None]]:
    seen = observe_deployments(conn, _desired(*repos), since, concurrency=4)
    assert not seen.findings
    return {d.id: (d, e) for d, e in seen.deployments}


@pytest.mark.parametrize(
    ("url", "run_id"),
    [
        ("https://github.com/o/r/actions/runs/123/job/456", 123),
        ("https://github.com/o/r/actions/runs/123/job/456?pr=7", 123),
        ("https://github.com/o/r/actions/runs/123/attempts/2", 123),
        ("https://github.com/o/r/actions/runs/123", 123),
        ("https://github.com/o/r/runs/456?check_suite_focus=true", None),
        ("https://example.com/deployment.log", None),
        ("", None),
        (None, None),
    ],
)
def test_run_links(url: str | None, run_id: int | None) -> None:
    assert run_link(url) == run_id


def test_a_deployment_is_linked_to_its_run_and_reviews(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    job = emu.record_job(
        OWNER, REPO, "Prod", actor="carol", rerun_by="dan", reviews=[("approved", "alice")]
    )
    deployment, evidence = _observe(conn)[job.deployment_id]
    assert (deployment.environment, deployment.app, deployment.creator) == (
        "Prod",
        "github-actions",
        "dan",
    )
    assert deployment.states == ("success", "in_progress", "queued", "waiting")
    assert deployment.run_id == job.run_id
    assert evidence is not None and evidence.run is not None and evidence.reviews is not None
    assert (evidence.run.actor, evidence.run.triggering_actor) == ("carol", "dan")
    assert [(r.state, r.login, r.person, r.environments) for r in evidence.reviews] == [
        ("approved", "alice", True, ("Prod",))
    ]


def test_only_declared_environments_and_only_gated_ones_read_their_run(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    dev = emu.record_job(OWNER, REPO, "dev", actor="carol")
    emu.record_job(OWNER, REPO, "preview-42", actor="carol")
    emu.clear_requests()
    seen = _observe(conn)
    assert list(seen) == [dev.deployment_id]
    assert seen[dev.deployment_id][1] is None
    assert [r.path for r in emu.requests] == [
        f"/repos/{FULL}/deployments",
        f"/repos/{FULL}/deployments/{dev.deployment_id}/statuses",
    ]


def test_a_run_that_deploys_twice_is_read_once(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    staging = emu.record_job(OWNER, REPO, "staging", actor="carol", reviews=[("approved", "bob")])
    emu.record_job(
        OWNER, REPO, "prod", actor="carol", run_id=staging.run_id, reviews=[("approved", "bob")]
    )
    emu.clear_requests()
    assert len(_observe(conn)) == 2
    runs = [r.path for r in emu.requests if "/actions/runs/" in r.path]
    assert runs == sorted(set(runs)) and len(runs) == 2  # the run, its reviews: once each


def test_without_a_run_link_the_search_finds_the_run_its_creator_started(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    sha = "d" * 40
    now = emu.now()
    emu.record_job(OWNER, REPO, "prod", actor="erin", sha=sha, at=now - timedelta(minutes=5))
    mine = emu.record_job(
        OWNER, REPO, "prod", actor="carol", sha=sha, link="check_run", reviews=[("approved", "bob")]
    )
    emu.clear_requests()
    _, evidence = _observe(conn)[mine.deployment_id]
    assert evidence is not None and evidence.run is not None
    assert evidence.run.id == mine.run_id
    search = [r for r in emu.requests if r.path == f"/repos/{FULL}/actions/runs"]
    assert [r.query["head_sha"] for r in search] == [sha]
    assert search[0].query["created"].startswith("<=")


def test_two_runs_that_could_have_made_it_leave_the_deployment_unknown(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    sha, at = "e" * 40, emu.now()
    first = emu.record_job(OWNER, REPO, "prod", actor="carol", sha=sha, at=at, link="check_run")
    emu.record_job(OWNER, REPO, "prod", actor="carol", sha=sha, at=at, link="check_run")
    _, evidence = _observe(conn)[first.deployment_id]
    assert evidence is not None and evidence.problem is not None
    assert evidence.problem.startswith(
        "its statuses name no run and 2 runs of eeeeeeeeeeee started by carol could have made it"
    )


def test_a_search_cut_at_githubs_cap_is_a_finding(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    sha, at = "f" * 40, emu.now()
    job = emu.record_job(OWNER, REPO, "prod", actor="carol", sha=sha, at=at, link="none")
    # 1,000 newer runs of the same commit (to an undeclared environment) fill the
    # search's cap, so the run that made `job` is left out.
    for _ in range(1000):
        emu.record_job(OWNER, REPO, "preview", actor="bot", sha=sha, at=at + timedelta(seconds=30))
    seen = observe_deployments(conn, _desired(), at - timedelta(hours=1))
    assert [(f.code, f.environment) for f in seen.findings] == [(Code.RUN_SEARCH_CAPPED, "prod")]
    [(deployment, evidence)] = seen.deployments
    assert deployment.id == job.deployment_id
    assert evidence is not None and evidence.problem is not None
    assert evidence.problem == (
        "its statuses name no run and no run of ffffffffffff started by carol was under way "
        "when it was created"
    )


def test_a_refused_or_missing_run_is_evidence_not_an_error(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    gone = emu.record_job(OWNER, REPO, "prod", actor="carol", reviews=[("approved", "bob")])
    refused = emu.record_job(OWNER, REPO, "prod", actor="carol", reviews=[("approved", "bob")])
    emu.delete_run(OWNER, REPO, gone.run_id or 0)
    emu.add_fault(FaultRule("GET", rf"/actions/runs/{refused.run_id}$", status=403, times=9))
    seen = _observe(conn)
    assert seen[gone.deployment_id][1] == RunEvidence(
        problem=f"run {gone.run_id} not found (404: Not Found): it was deleted, or is older "
        "than GitHub keeps"
    )
    problem = seen[refused.deployment_id][1]
    assert problem is not None and problem.problem is not None
    assert problem.problem.startswith(f"GitHub refused reading run {refused.run_id} (403")


def test_github_failing_stops_the_read(emu: GitHubEmulator, conn: GitHubConnection) -> None:
    job = emu.record_job(OWNER, REPO, "prod", actor="carol", reviews=[("approved", "bob")])
    emu.add_fault(FaultRule("GET", rf"/actions/runs/{job.run_id}$", status=502, times=99))
    with pytest.raises(GitHubError) as caught:
        _observe(conn)
    assert caught.value.status == 502


def test_a_missing_repository_stops_the_read(conn: GitHubConnection) -> None:
    with pytest.raises(RepositoryNotFound):
        _observe(conn, LONG_AGO, "nope")
