"""JSON bodies of deployments, deployment statuses, workflow runs, pending deployments
and review entries, in the shapes of GitHub's schemas (and of its recorded
answers where they differ: docs/emulator-fidelity.md)."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from reconciler.sandbox.github.actions_state import (
    Deployment,
    DeploymentStatus,
    GateReview,
    WorkflowRun,
)
from reconciler.sandbox.github.payloads import (
    iso,
    node_id,
    repository,
    reviewer_entries,
    simple_user,
)
from reconciler.sandbox.github.state import Account, Repo, World

JSON = dict[str, Any]

# The GitHub Actions app as deployments made by jobs name it (octokit/webhooks,
# payload-examples/api.github.com/workflow_job/queued.with-deployment.payload.json).
ACTIONS_APP_ID = 15368
ACTIONS_SLUG = "github-actions"
ACTIONS_BOT = "github-actions[bot]"
_GITHUB_ORG = Account(9919, "github", "Organization", datetime(2008, 5, 11, tzinfo=UTC))


def _user(base: str, world: World, login: str) -> JSON:
    account = world.account(login)
    if account is None:  # record_job creates every account it names
        account = Account(0, login, "User", datetime(2008, 1, 1, tzinfo=UTC))
    return simple_user(base, account)


def actions_app(base: str) -> JSON:
    return {
        "id": ACTIONS_APP_ID,
        "slug": ACTIONS_SLUG,
        "node_id": node_id("App", ACTIONS_APP_ID),
        "owner": simple_user(base, _GITHUB_ORG),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": "https://github.com/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2024-04-10T20:33:16Z",
        "permissions": {"actions": "write", "deployments": "write", "metadata": "read"},
        "events": ["deployment", "deployment_status", "workflow_run"],
    }


def deployment(base: str, world: World, repo: Repo, d: Deployment) -> JSON:
    api = f"{base}/repos/{repo.full_name}"
    updated = d.statuses[-1].created_at if d.statuses else d.created_at
    return {
        "url": f"{api}/deployments/{d.id}",
        "id": d.id,
        "node_id": node_id("Deployment", d.id),
        "sha": d.sha,
        "ref": d.ref,
        "task": "deploy",
        "payload": {},
        "original_environment": d.environment,
        "environment": d.environment,
        "description": None,
        "creator": _user(base, world, d.creator),
        "created_at": iso(d.created_at),
        "updated_at": iso(updated),
        "statuses_url": f"{api}/deployments/{d.id}/statuses",
        "repository_url": api,
        "transient_environment": False,
        "production_environment": False,
        "performed_via_github_app": actions_app(base) if d.via_actions else None,
    }


def deployment_status(
    base: str, world: World, repo: Repo, d: Deployment, s: DeploymentStatus
) -> JSON:
    api = f"{base}/repos/{repo.full_name}"
    creator = ACTIONS_BOT if d.via_actions else d.creator
    return {
        "url": f"{api}/deployments/{d.id}/statuses/{s.id}",
        "id": s.id,
        "node_id": node_id("DeploymentStatus", s.id),
        "state": s.state,
        "creator": _user(base, world, creator),
        "description": "",
        "environment": s.environment,
        "target_url": s.log_url,
        "created_at": iso(s.created_at),
        "updated_at": iso(s.created_at),
        "deployment_url": f"{api}/deployments/{d.id}",
        "repository_url": api,
        "environment_url": "",
        "log_url": s.log_url,
        "performed_via_github_app": actions_app(base) if d.via_actions else None,
    }


def workflow_run(base: str, world: World, repo: Repo, run: WorkflowRun) -> JSON:
    api = f"{base}/repos/{repo.full_name}/actions/runs/{run.id}"
    html = f"https://github.com/{repo.full_name}/actions/runs/{run.id}"
    minimal = repository(base, world, repo, None)
    return {
        "id": run.id,
        "name": "deploy",
        "node_id": node_id("WorkflowRun", run.id),
        "check_suite_id": run.check_suite_id,
        "check_suite_node_id": node_id("CheckSuite", run.check_suite_id),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": ".github/workflows/deploy.yml",
        "display_title": f"deploy {run.head_sha[:7]}",
        "run_number": run.number,
        "run_attempt": run.attempt,
        "referenced_workflows": [],
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "url": api,
        "html_url": html,
        "pull_requests": [],
        "created_at": iso(run.created_at),
        "updated_at": iso(run.updated_at),
        "run_started_at": iso(run.started_at),
        "actor": _user(base, world, run.actor),
        "triggering_actor": _user(base, world, run.triggering_actor),
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "check_suite_url": f"{base}/repos/{repo.full_name}/check-suites/{run.check_suite_id}",
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "previous_attempt_url": f"{api}/attempts/{run.attempt - 1}" if run.attempt > 1 else None,
        "workflow_url": f"{base}/repos/{repo.full_name}/actions/workflows/{run.workflow_id}",
        "head_commit": {
            "id": run.head_sha,
            "tree_id": run.head_sha[::-1],
            "message": "deploy",
            "timestamp": iso(run.created_at),
            "author": {"name": run.actor, "email": f"{run.actor}@users.noreply.github.com"},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": minimal,
        "head_repository": minimal,
    }


def environment_ref(base: str, repo: Repo, name: str) -> JSON:
    """The short environment object of review entries and pending deployments."""
    env = repo.environments.get(name.lower())
    env_id = env.id if env is not None else zlib.crc32(f"{repo.id}/{name.lower()}".encode())
    spelled = env.name if env is not None else name
    quoted = quote(spelled, safe="")
    return {
        "id": env_id,
        "node_id": node_id("Environment", env_id),
        "name": spelled,
        "url": f"{base}/repos/{repo.full_name}/environments/{quoted}",
        "html_url": (
            f"https://github.com/{repo.full_name}/deployments/activity_log"
            f"?environments_filter={quoted}"
        ),
    }


def review(base: str, world: World, repo: Repo, entry: GateReview) -> JSON:
    return {
        "environments": [environment_ref(base, repo, entry.environment)],
        "state": entry.state,
        "user": _user(base, world, entry.login),
        "comment": entry.comment,
    }


def _may_approve(world: World, repo: Repo, env_name: str, login: str | None) -> bool:
    env = repo.environments.get(env_name.lower())
    if env is None or login is None:
        return False
    for reviewer in env.reviewers:
        if reviewer.type == "User":
            account = world.account_by_id(reviewer.id)
            if account is not None and account.login.lower() == login.lower():
                return True
        else:
            found = world.team_by_id(reviewer.id)
            if found is not None and login.lower() in {
                m.lower() for m in world.team_members(found)
            }:
                return True
    return False


def pending_deployment(
    base: str, world: World, repo: Repo, env_name: str, *, identity: str | None
) -> JSON:
    env = repo.environments.get(env_name.lower())
    reviewers = reviewer_entries(base, world, repo, env) if env is not None else []
    return {
        "environment": environment_ref(base, repo, env_name),
        "wait_timer": env.wait_timer if env is not None else 0,
        "wait_timer_started_at": None,
        "current_user_can_approve": _may_approve(world, repo, env_name, identity),
        "reviewers": reviewers,
    }
