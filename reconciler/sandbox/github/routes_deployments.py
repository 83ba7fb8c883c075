"""Deployments and their statuses, as GitHub Actions jobs leave them (read-only here:
`JobControls.record_job` makes them)."""

from __future__ import annotations

from reconciler.sandbox.github import payloads_runs
from reconciler.sandbox.github.actions_state import Deployment
from reconciler.sandbox.github.http import Ctx, Reply, Route, not_found
from reconciler.sandbox.github.pagination import paginate
from reconciler.sandbox.github.state import Repo

# The description's filters. `environment` is matched exactly as given: whether
# GitHub folds case here is not recorded (reconcile does not rely on it).
_FILTERS = ("sha", "ref", "task", "environment")


def _newest_first(deployments: list[Deployment]) -> list[Deployment]:
    return sorted(deployments, key=lambda d: (d.created_at, d.id), reverse=True)


def list_deployments(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    wanted = {k: ctx.query[k] for k in _FILTERS if k in ctx.query}
    found = [
        d
        for d in repo.deployments.values()
        if all(
            {"sha": d.sha, "ref": d.ref, "task": "deploy", "environment": d.environment}[k] == v
            for k, v in wanted.items()
        )
    ]
    page, link = paginate(ctx, _newest_first(found), 30, 100)
    body = [payloads_runs.deployment(ctx.base, ctx.world, repo, d) for d in page]
    return Reply(200, body, {"link": link} if link else {})


def _deployment(ctx: Ctx, repo: Repo) -> Deployment:
    raw = ctx.params["deployment_id"]
    found = repo.deployments.get(int(raw)) if raw.isdigit() else None
    if found is None:
        raise not_found()
    return found


def get_deployment(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    found = _deployment(ctx, repo)
    return Reply(200, payloads_runs.deployment(ctx.base, ctx.world, repo, found))


def list_statuses(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    found = _deployment(ctx, repo)
    # Newest first, as GitHub lists them (PyGithub's ReplayData
    # DeploymentStatus.testGetStatuses).
    statuses = sorted(found.statuses, key=lambda s: (s.created_at, s.id), reverse=True)
    page, link = paginate(ctx, statuses, 30, 100)
    body = [payloads_runs.deployment_status(ctx.base, ctx.world, repo, found, s) for s in page]
    return Reply(200, body, {"link": link} if link else {})


ROUTES = [
    Route("GET", "/repos/{owner}/{repo}/deployments", list_deployments),
    Route("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}", get_deployment),
    Route("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", list_statuses),
]
