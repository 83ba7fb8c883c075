"""Workflow runs: the list and its search filters, one run, what it waits on, and its
review history (read-only here: `JobControls.record_job` makes them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from reconciler.sandbox.github import payloads_runs
from reconciler.sandbox.github.actions_state import WorkflowRun
from reconciler.sandbox.github.http import Ctx, Reply, Route, not_found, unprocessable
from reconciler.sandbox.github.pagination import paginate
from reconciler.sandbox.github.state import Repo

# GitHub's description: a search with any of these returns at most 1,000 runs.
_SEARCH_FILTERS = ("actor", "branch", "check_suite_id", "created", "event", "head_sha", "status")
SEARCH_CAP = 1000
_STATUSES = {"completed", "action_required", "cancelled", "failure", "neutral", "skipped",
             "stale", "success", "timed_out", "in_progress", "queued", "requested", "waiting",
             "pending"}  # fmt: skip


def _bound(text: str, *, upper: bool) -> datetime:
    """One side of a `created` range: a date covers its whole day."""
    if len(text) == 10:
        day = date.fromisoformat(text)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) - timedelta(seconds=1) if upper else start
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _compare(op: str, edge: datetime) -> Callable[[datetime], bool]:
    tests: dict[str, Callable[[datetime], bool]] = {
        ">=": lambda t: t >= edge,
        "<=": lambda t: t <= edge,
        ">": lambda t: t > edge,
        "<": lambda t: t < edge,
    }
    return tests[op]


def created_filter(text: str) -> Callable[[datetime], bool]:
    """GitHub's search syntax for dates: `>=X`, `>X`, `<=X`, `<X`, `X..Y` (`*` open), `X`."""
    try:
        for op in (">=", "<=", ">", "<"):
            if text.startswith(op):
                return _compare(op, _bound(text[len(op) :], upper=op in {"<=", ">"}))
        if ".." in text:
            low_text, high_text = text.split("..", 1)
            low = None if low_text == "*" else _bound(low_text, upper=False)
            high = None if high_text == "*" else _bound(high_text, upper=True)
            return lambda t: (low is None or t >= low) and (high is None or t <= high)
        low, high = _bound(text, upper=False), _bound(text, upper=True)
        return lambda t: low <= t <= high
    except ValueError:
        raise unprocessable(
            "Validation Failed",
            errors=[{"resource": "WorkflowRun", "field": "created", "code": "invalid"}],
        ) from None


def _matches(run: WorkflowRun, ctx: Ctx, created: Callable[[datetime], bool] | None) -> bool:
    q = ctx.query
    checks = [
        ("actor", run.actor),
        ("branch", run.head_branch),
        ("event", run.event),
        ("head_sha", run.head_sha),
        ("check_suite_id", str(run.check_suite_id)),
    ]
    if any(key in q and q[key] != value for key, value in checks):
        return False
    if "status" in q and q["status"] not in {run.status, run.conclusion}:
        return False
    return created is None or created(run.created_at)


def list_runs(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    if "status" in ctx.query and ctx.query["status"] not in _STATUSES:
        raise unprocessable("Validation Failed")
    created = created_filter(ctx.query["created"]) if "created" in ctx.query else None
    runs = sorted(
        (r for r in repo.runs.values() if _matches(r, ctx, created)),
        key=lambda r: (r.created_at, r.id),
        reverse=True,
    )
    if any(key in ctx.query for key in _SEARCH_FILTERS):
        runs = runs[:SEARCH_CAP]
    page, link = paginate(ctx, runs, 30, 100)
    body = {
        "total_count": len(runs),
        "workflow_runs": [payloads_runs.workflow_run(ctx.base, ctx.world, repo, r) for r in page],
    }
    return Reply(200, body, {"link": link} if link else {})


def _run(ctx: Ctx, repo: Repo) -> WorkflowRun:
    raw = ctx.params["run_id"]
    found = repo.runs.get(int(raw)) if raw.isdigit() else None
    if found is None:
        raise not_found()
    return found


def get_run(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    return Reply(200, payloads_runs.workflow_run(ctx.base, ctx.world, repo, _run(ctx, repo)))


def pending_deployments(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    run = _run(ctx, repo)
    waiting = run.waiting_for if run.status == "waiting" else []
    body = [
        payloads_runs.pending_deployment(ctx.base, ctx.world, repo, name, identity=ctx.identity)
        for name in waiting
    ]
    return Reply(200, body)


def run_approvals(ctx: Ctx) -> Reply:
    """The whole review history in one answer: GitHub pages it not, and dates it not."""
    repo = ctx.repo()
    run = _run(ctx, repo)
    return Reply(200, [payloads_runs.review(ctx.base, ctx.world, repo, r) for r in run.reviews])


ROUTES = [
    Route("GET", "/repos/{owner}/{repo}/actions/runs", list_runs),
    Route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}", get_run),
    Route(
        "GET",
        "/repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments",
        pending_deployments,
    ),
    Route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/approvals", run_approvals),
]
