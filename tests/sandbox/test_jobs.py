"""What the emulator records when told a deployment job ran (issue 18), and how it
answers for it: deployments, statuses, runs, the runs search, pending
deployments and review histories, as docs/emulator-fidelity.md describes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reconciler.sandbox.github import GitHubEmulator

from .conftest import OWNER, REPO, Api, team_id, user_id

R = f"/repos/{OWNER}/{REPO}"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _states(api: Api, deployment_id: int) -> list[str]:
    return [s["state"] for s in api("GET", f"{R}/deployments/{deployment_id}/statuses").json()]


def test_a_job_leaves_a_deployment_by_the_actions_app_created_by_whoever_started_it(
    emu: GitHubEmulator, api: Api
) -> None:
    job = emu.record_job(
        OWNER, REPO, "prod", actor="carol", rerun_by="bob", reviews=[("approved", "alice")], at=T0
    )
    deployment = api("GET", f"{R}/deployments/{job.deployment_id}").json()
    assert deployment["performed_via_github_app"]["slug"] == "github-actions"
    assert deployment["creator"]["login"] == "bob"  # the re-run's starter made this attempt's
    assert deployment["created_at"] == "2026-03-01T12:00:00Z"
    run = api("GET", f"{R}/actions/runs/{job.run_id}").json()
    assert (run["actor"]["login"], run["triggering_actor"]["login"]) == ("carol", "bob")
    assert (run["run_attempt"], run["status"], run["conclusion"]) == (2, "completed", "success")
    assert deployment["sha"] == run["head_sha"]
    statuses = api("GET", f"{R}/deployments/{job.deployment_id}/statuses").json()
    assert [s["state"] for s in statuses] == ["success", "in_progress", "queued", "waiting"]
    log = f"https://github.com/{OWNER}/{REPO}/actions/runs/{job.run_id}/job/{job.job_id}"
    assert {s["log_url"] for s in statuses} == {log}
    assert {s["creator"]["login"] for s in statuses} == {"github-actions[bot]"}


def test_each_outcome_leaves_its_statuses_and_run_state(emu: GitHubEmulator, api: Api) -> None:
    ungated = emu.record_job(OWNER, REPO, "dev", actor="carol")
    assert _states(api, ungated.deployment_id) == ["success", "in_progress", "queued"]
    rejected = emu.record_job(OWNER, REPO, "prod", actor="carol", reviews=[("rejected", "bob")])
    assert _states(api, rejected.deployment_id) == ["failure", "waiting"]
    waiting = emu.record_job(OWNER, REPO, "prod", actor="carol", outcome="waiting")
    assert _states(api, waiting.deployment_id) == ["waiting"]
    assert api("GET", f"{R}/actions/runs/{waiting.run_id}").json()["status"] == "waiting"
    cancelled = emu.record_job(OWNER, REPO, "prod", actor="carol", outcome="cancelled")
    assert _states(api, cancelled.deployment_id) == ["error", "waiting"]
    assert api("GET", f"{R}/actions/runs/{cancelled.run_id}").json()["conclusion"] == "cancelled"
    skipped = emu.record_job(OWNER, REPO, "prod", actor="carol", reviews=[("skipped", "admin")])
    assert _states(api, skipped.deployment_id)[0] == "success"


def test_the_older_link_form_and_api_deployments(emu: GitHubEmulator, api: Api) -> None:
    old = emu.record_job(OWNER, REPO, "prod", actor="carol", link="check_run")
    statuses = api("GET", f"{R}/deployments/{old.deployment_id}/statuses").json()
    assert statuses[0]["log_url"].endswith(f"/runs/{old.job_id}?check_suite_focus=true")
    assert "/actions/runs/" not in statuses[0]["log_url"]
    by_hand = emu.record_job(OWNER, REPO, "prod", actor="carol", via_actions=False)
    assert by_hand.run_id is None
    deployment = api("GET", f"{R}/deployments/{by_hand.deployment_id}").json()
    assert deployment["performed_via_github_app"] is None
    assert deployment["creator"]["login"] == "carol"


def test_deployments_are_listed_newest_first_and_filtered(emu: GitHubEmulator, api: Api) -> None:
    ids = [
        emu.record_job(OWNER, REPO, env, actor="carol", at=T0 + timedelta(hours=i)).deployment_id
        for i, env in enumerate(["dev", "prod", "dev"])
    ]
    listed = api("GET", f"{R}/deployments").json()
    assert [d["id"] for d in listed] == ids[::-1]
    only_dev = api("GET", f"{R}/deployments", params={"environment": "dev"}).json()
    assert [d["id"] for d in only_dev] == [ids[2], ids[0]]
    page = api("GET", f"{R}/deployments", params={"environment": "dev", "per_page": 1})
    assert "environment=dev&per_page=1&page=2" in page.headers["link"]


def test_runs_search_by_commit_and_creation_time(emu: GitHubEmulator, api: Api) -> None:
    early = emu.record_job(OWNER, REPO, "prod", actor="carol", sha="a" * 40, at=T0)
    emu.record_job(OWNER, REPO, "prod", actor="carol", sha="a" * 40, at=T0 + timedelta(days=2))
    emu.record_job(OWNER, REPO, "prod", actor="carol", sha="b" * 40, at=T0)

    def search(**params: str) -> list[int]:
        answer = api("GET", f"{R}/actions/runs", params=params)
        assert answer.status_code == 200, answer.text
        return [r["id"] for r in answer.json()["workflow_runs"]]

    assert len(search(head_sha="a" * 40)) == 2
    assert search(head_sha="a" * 40, created="<=2026-03-01T12:00:00Z") == [early.run_id]
    assert search(head_sha="a" * 40, created="2026-03-01") == [early.run_id]
    assert search(head_sha="a" * 40, created="2026-02-28..2026-03-01") == [early.run_id]
    assert len(search(created=">=2026-03-01")) == 3
    assert search(created=">2026-03-03") == []
    bad = api("GET", f"{R}/actions/runs", params={"created": "last week"})
    assert bad.status_code == 422


def test_a_filtered_runs_search_stops_at_1000(emu: GitHubEmulator, api: Api) -> None:
    for i in range(1001):
        emu.record_job(OWNER, REPO, "dev", actor="carol", sha="c" * 40, at=T0 + timedelta(i))
    filtered = api("GET", f"{R}/actions/runs", params={"head_sha": "c" * 40, "per_page": 100})
    assert filtered.json()["total_count"] == 1000
    last = api(
        "GET", f"{R}/actions/runs", params={"head_sha": "c" * 40, "per_page": 100, "page": 11}
    )
    assert last.json()["workflow_runs"] == []
    assert api("GET", f"{R}/actions/runs").json()["total_count"] == 1001


def test_pending_deployments_name_the_environment_and_who_may_approve(
    emu: GitHubEmulator, api: Api
) -> None:
    ops, carol = team_id(emu, "ops"), user_id(emu, "carol")
    emu.put_environment(OWNER, REPO, "prod", reviewers=[("Team", ops), ("User", carol)])
    waiting = emu.record_job(OWNER, REPO, "prod", actor="dave", outcome="waiting")
    pending = api("GET", f"{R}/actions/runs/{waiting.run_id}/pending_deployments").json()
    assert [p["environment"]["name"] for p in pending] == ["prod"]
    assert [r["type"] for r in pending[0]["reviewers"]] == ["Team", "User"]
    assert pending[0]["current_user_can_approve"] is False  # the token's user is admin
    emu.add_token("alice-token", login="alice")
    as_alice = api.as_token("alice-token")
    mine = as_alice("GET", f"{R}/actions/runs/{waiting.run_id}/pending_deployments").json()
    assert mine[0]["current_user_can_approve"] is True


def test_one_run_may_deploy_to_several_environments(emu: GitHubEmulator, api: Api) -> None:
    staging = emu.record_job(OWNER, REPO, "staging", actor="carol", reviews=[("approved", "bob")])
    prod = emu.record_job(
        OWNER, REPO, "prod", actor="carol", run_id=staging.run_id, outcome="waiting"
    )
    assert prod.run_id == staging.run_id
    reviews = api("GET", f"{R}/actions/runs/{staging.run_id}/approvals").json()
    assert [(r["state"], [e["name"] for e in r["environments"]]) for r in reviews] == [
        ("approved", ["staging"])
    ]
    assert api("GET", f"{R}/actions/runs/{staging.run_id}").json()["status"] == "waiting"


def test_a_deleted_run_leaves_its_deployments(emu: GitHubEmulator, api: Api) -> None:
    job = emu.record_job(OWNER, REPO, "prod", actor="carol", reviews=[("approved", "bob")])
    emu.delete_run(OWNER, REPO, job.run_id or 0)
    assert api("GET", f"{R}/actions/runs/{job.run_id}").status_code == 404
    assert api("GET", f"{R}/actions/runs/{job.run_id}/approvals").status_code == 404
    assert api("GET", f"{R}/deployments/{job.deployment_id}").status_code == 200


def test_a_read_only_token_reads_all_of_it(emu: GitHubEmulator, api: Api) -> None:
    job = emu.record_job(OWNER, REPO, "prod", actor="carol", reviews=[("approved", "bob")])
    emu.add_token("ro", login="reader", write=False)
    reader = api.as_token("ro")
    for path in (
        f"{R}/deployments",
        f"{R}/deployments/{job.deployment_id}/statuses",
        f"{R}/actions/runs/{job.run_id}",
        f"{R}/actions/runs/{job.run_id}/approvals",
    ):
        assert reader("GET", path).status_code == 200, path
