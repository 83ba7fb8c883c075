"""Read the deployments of the managed repositories and what made them (never writes).

For `reconcile approvals`. Per repository, one listing of its deployments
(GitHub lists them newest first, so paging stops at the first one older than
`--since`); it is not filtered by environment on GitHub's side, so a workflow
that spells an environment `Prod` is still matched to `prod`. Then, per
deployment to a declared environment:

1. its statuses, whose `log_url`/`target_url` name the job's run
   (`.../actions/runs/{run_id}/job/{job_id}`);
2. that run (`actor`, `triggering_actor`, `status`), or, when no status names
   a run, the runs search for its commit (`head_sha`, `created`), which
   returns the run as well;
3. the run's review history.

Runs are read once however many deployments they made, so the cost is at
most 3 requests per deployment plus the listing's pages. An environment that
declares no approvals needs no verdict from its run: only (1) is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from reconciler.github.connection import GitHubConnection
from reconciler.github.errors import GitHubError, RepositoryNotFound
from reconciler.github.reader import timestamp
from reconciler.github.rest import paginate, repo_path
from reconciler.github.runs import Found, Unreadable, find_run, read_reviews, read_run
from reconciler.model.approvals import ObservedDeployment, ObservedRun, RunEvidence
from reconciler.model.desired import DesiredRepository, DesiredState
from reconciler.model.findings import Code
from reconciler.model.plan import Finding, Severity
from reconciler.model.progress import Tracker, quiet

PER_PAGE = 100
GITHUB_ACTIONS = "github-actions"
_PERMISSION = "Deployments: read"

T = TypeVar("T")
R = TypeVar("R")


def _login(user: Any) -> str | None:
    return str(user["login"]) if isinstance(user, dict) and user.get("login") else None


def run_link(url: Any) -> int | None:
    """The run id in a job's URL (`.../actions/runs/{run_id}/job/{job_id}`); None
    for any other URL, such as the older `.../runs/{job_id}` form."""
    if not isinstance(url, str):
        return None
    parts = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").split("/")
    for i in range(len(parts) - 2):
        if parts[i] == "actions" and parts[i + 1] == "runs" and parts[i + 2].isdigit():
            return int(parts[i + 2])
    return None


def _listed(conn: GitHubConnection, full_name: str, since: datetime) -> list[dict[str, Any]]:
    """The repository's deployments created at or after `since`, newest first."""
    items = paginate(
        conn,
        f"{repo_path(full_name)}/deployments",
        per_page=PER_PAGE,
        item_key=None,
        action=f"listing the deployments of {full_name}",
        permission=_PERMISSION,
        fields=("id", "environment", "created_at"),
    )
    found: list[dict[str, Any]] = []
    try:
        for item in items:
            created = timestamp(item.get("created_at"))
            if created is None or created < since:
                break  # newest first: the rest are older still (and no further page is read)
            found.append(item)
    except GitHubError as exc:
        if exc.status == 404:
            raise RepositoryNotFound(full_name) from None
        raise
    return found


@dataclass(frozen=True)
class _Wanted:
    repo: DesiredRepository
    environment: str  # the config's name
    gated: bool
    raw: dict[str, Any]


def _statuses(conn: GitHubConnection, wanted: _Wanted) -> ObservedDeployment:
    raw, full = wanted.raw, wanted.repo.full_name
    deployment_id = int(raw["id"])
    states: list[str] = []
    run_id: int | None = None
    for status in paginate(
        conn,
        f"{repo_path(full)}/deployments/{deployment_id}/statuses",
        per_page=PER_PAGE,
        item_key=None,
        action=f"listing the statuses of deployment {deployment_id} of {full}",
        permission=_PERMISSION,
        fields=("state",),
    ):
        states.append(str(status["state"]))
        if run_id is None:
            run_id = run_link(status.get("log_url")) or run_link(status.get("target_url"))
    app = raw.get("performed_via_github_app")
    created = timestamp(raw.get("created_at"))
    if created is None:  # _listed kept only those with a time
        raise GitHubError("server", f"deployment {deployment_id} of {full} has no creation time")
    return ObservedDeployment(
        id=deployment_id,
        repository=full,
        environment=str(raw.get("environment") or wanted.environment),
        created_at=created,
        sha=str(raw.get("sha") or ""),
        ref=str(raw.get("ref") or ""),
        creator=_login(raw.get("creator")),
        app=str(app["slug"]) if isinstance(app, dict) and app.get("slug") else None,
        states=tuple(states),
        run_id=run_id,
    )


@dataclass(frozen=True)
class Observed:
    deployments: list[tuple[ObservedDeployment, RunEvidence | None]]
    findings: list[Finding]


def observe_deployments(
    conn: GitHubConnection,
    desired: DesiredState,
    since: datetime,
    *,
    concurrency: int = 8,
    track: Tracker = quiet,
) -> Observed:
    """Every deployment to an environment of `desired` since `since`, with the
    evidence of its run (None where the environment declares no approvals)."""
    workers = max(1, concurrency)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="github-read") as pool:

        def each(fn: Callable[[T], R], items: Sequence[T], label: str) -> list[R]:
            advance = track(label, len(items)) if items else None

            def counted(item: T) -> R:
                result = fn(item)
                if advance is not None:
                    advance()
                return result

            return list(pool.map(counted, items))

        repos = desired.repositories
        listings = each(lambda r: _listed(conn, r.full_name, since), repos, "Listing deployments")
        wanted = [
            _Wanted(repo, env.name, env.required_approvals > 0, raw)
            for repo, listed in zip(repos, listings, strict=True)
            for raw in listed
            if (env := repo.environment(str(raw.get("environment") or ""))) is not None
        ]
        deployments = each(lambda w: _statuses(conn, w), wanted, "Reading deployments")
        gated = [d for d, w in zip(deployments, wanted, strict=True) if w.gated]
        searched = [d for d in gated if d.run_id is None and d.app == GITHUB_ACTIONS]
        found = dict(
            zip(
                [d.id for d in searched],
                each(lambda d: find_run(conn, d), searched, "Finding runs"),
                strict=True,
            )
        )
        runs = _runs_to_read(gated, found)
        evidence = dict(
            zip(
                runs,
                each(lambda key: _evidence(conn, key, found), runs, "Reading runs"),
                strict=True,
            )
        )
    findings = [_capped(d) for d in searched if found[d.id].capped]
    out: list[tuple[ObservedDeployment, RunEvidence | None]] = []
    gated_ids = {d.id for d in gated}
    for d in deployments:
        if d.id not in gated_ids:
            out.append((d, None))
        else:
            out.append((d, _for(d, found, evidence)))
    return Observed(out, findings)


_RunKey = tuple[str, int]  # (repository, run id)


def _runs_to_read(gated: Sequence[ObservedDeployment], found: dict[int, Found]) -> list[_RunKey]:
    keys: dict[_RunKey, None] = {}
    for d in gated:
        run_id = d.run_id
        hit = found.get(d.id)
        if hit is not None and isinstance(hit.run, ObservedRun):
            run_id = hit.run.id
        if run_id is not None:
            keys[(d.repository, run_id)] = None
    return list(keys)


def _evidence(conn: GitHubConnection, key: _RunKey, found: dict[int, Found]) -> RunEvidence:
    """The run (unless the search already brought it) and its review history."""
    full, run_id = key
    run: ObservedRun | Unreadable | None = next(
        (f.run for f in found.values() if isinstance(f.run, ObservedRun) and f.run.id == run_id),
        None,
    )
    if run is None:
        run = read_run(conn, full, run_id)
    if isinstance(run, Unreadable):
        return RunEvidence(problem=run.why)
    reviews = read_reviews(conn, full, run_id)
    if isinstance(reviews, Unreadable):
        return RunEvidence(run=run, problem=reviews.why)
    return RunEvidence(run=run, reviews=reviews)


def _for(
    d: ObservedDeployment, found: dict[int, Found], evidence: dict[_RunKey, RunEvidence]
) -> RunEvidence:
    hit = found.get(d.id)
    if hit is not None and isinstance(hit.run, Unreadable):
        return RunEvidence(problem=hit.run.why)
    run_id = hit.run.id if hit is not None and isinstance(hit.run, ObservedRun) else d.run_id
    if run_id is not None:
        return evidence[(d.repository, run_id)]
    creator = f" by {d.creator}" if d.creator else ""
    via = f" through the app {d.app}" if d.app else " through the API"
    return RunEvidence(
        problem=f"created{creator}{via}, not by a GitHub Actions job: no review gate applies to it"
    )


def _capped(d: ObservedDeployment) -> Finding:
    return Finding(
        Severity.WARNING,
        Code.RUN_SEARCH_CAPPED,
        f"the search for the run of deployment {d.id} ({d.sha[:12]}) reached GitHub's "
        "1,000-result limit: the run that made it may be among the runs left out",
        repository=d.repository,
        environment=d.environment,
    )
