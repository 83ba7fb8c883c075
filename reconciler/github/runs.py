"""Workflow runs and their review histories, for `reconcile approvals` (never writes).

A run that cannot be read is not an error of the whole audit: its
deployments get the verdict `unknown` with the reason (`Unreadable`). Only a
failure that would hit every request alike (auth, network, GitHub down) stops
the run as usual.

GitHub facts this relies on (docs/emulator-fidelity.md, "Deployments, runs
and their reviews"): the review history has no timestamps and no paging; an
administrator's bypass is an entry of state `skipped`; the runs search
(`head_sha`, `created`) returns at most 1,000 runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from reconciler.github.connection import GitHubConnection
from reconciler.github.errors import GitHubError, github_message
from reconciler.github.reader import timestamp
from reconciler.github.rest import Shape, expect, paginate, repo_path, send
from reconciler.model.approvals import ObservedDeployment, ObservedRun, Review, iso

PER_PAGE = 100
SEARCH_CAP = 1000  # GitHub's documented most results of one filtered runs search
_PERMISSION = "Actions: read"


@dataclass(frozen=True)
class Unreadable:
    """Why a run or its reviews could not be read, in words for the report."""

    why: str


def _login(user: Any) -> str | None:
    return str(user["login"]) if isinstance(user, dict) and user.get("login") else None


def parse_run(raw: dict[str, Any]) -> ObservedRun:
    return ObservedRun(
        id=int(raw["id"]),
        actor=_login(raw.get("actor")),
        triggering_actor=_login(raw.get("triggering_actor")) or _login(raw.get("actor")),
        status=raw.get("status"),
        conclusion=raw.get("conclusion"),
        attempt=int(raw.get("run_attempt") or 1),
        html_url=raw.get("html_url") if isinstance(raw.get("html_url"), str) else None,
    )


def _refused(status: int, said: str, what: str) -> Unreadable:
    said = f": {said}" if said else ""
    if status == 404:
        return Unreadable(
            f"{what} not found (404{said}): it was deleted, or is older than GitHub keeps"
        )
    if status == 403:
        return Unreadable(f"GitHub refused reading {what} (403{said}); it needs {_PERMISSION}")
    return Unreadable(f"GitHub answered {status} reading {what}{said}")


_UNREADABLE = (403, 404, 410)


def _read(conn: GitHubConnection, path: str, shape: Shape, what: str, action: str) -> Any:
    """The answer's data, or `Unreadable` where GitHub refuses this one thing
    (a 403 arrives as an exception from PyGithub's retry layer, a 404 as an answer)."""
    try:
        answer = send(conn, "GET", path, shape=shape, action=action, permission=_PERMISSION)
    except GitHubError as exc:
        if exc.status in _UNREADABLE:
            return _refused(exc.status or 0, exc.detail, what)
        raise
    if answer.status in _UNREADABLE:
        return _refused(answer.status, github_message(answer.data), what)
    return expect(answer, 200, action=action, permission=_PERMISSION).data


def read_run(conn: GitHubConnection, full_name: str, run_id: int) -> ObservedRun | Unreadable:
    data = _read(
        conn,
        f"{repo_path(full_name)}/actions/runs/{run_id}",
        Shape(fields=("id",)),
        f"run {run_id}",
        f"reading workflow run {run_id} of {full_name}",
    )
    return data if isinstance(data, Unreadable) else parse_run(data)


def _review(raw: dict[str, Any]) -> Review:
    given = raw.get("user")
    user: dict[str, Any] = given if isinstance(given, dict) else {}
    environments = tuple(
        str(e["name"]) for e in raw.get("environments") or [] if isinstance(e, dict) and "name" in e
    )
    return Review(
        state=str(raw.get("state", "")),
        login=_login(user) or "(unknown)",
        person=user.get("type", "User") == "User",
        environments=environments,
    )


def read_reviews(
    conn: GitHubConnection, full_name: str, run_id: int
) -> tuple[Review, ...] | Unreadable:
    """The run's whole review history: GitHub answers it in one page, without paging."""
    data = _read(
        conn,
        f"{repo_path(full_name)}/actions/runs/{run_id}/approvals",
        Shape("list", fields=("state",)),
        f"the review history of run {run_id}",
        f"reading the review history of run {run_id} of {full_name}",
    )
    return data if isinstance(data, Unreadable) else tuple(_review(item) for item in data)


@dataclass(frozen=True)
class Found:
    """The runs search for one deployment: the run, or why none; `capped`: no run
    matched and GitHub's 1,000-result limit was reached, so it may be one left out."""

    run: ObservedRun | Unreadable
    capped: bool = False


def _search(conn: GitHubConnection, full_name: str, sha: str, until: datetime) -> Iterator[Any]:
    # The filters ride in the path: `paginate` adds only per_page, and PyGithub
    # merges a path's own query with it.
    query = urlencode({"head_sha": sha, "created": f"<={iso(until)}"})
    return paginate(
        conn,
        f"{repo_path(full_name)}/actions/runs?{query}",
        per_page=PER_PAGE,
        item_key="workflow_runs",
        action=f"searching the workflow runs of {sha[:12]} in {full_name}",
        permission=_PERMISSION,
        fields=("id",),
    )


def find_run(conn: GitHubConnection, deployment: ObservedDeployment) -> Found:
    """The run that made a deployment whose statuses do not say: the runs of its
    commit that existed when it was created, narrowed to the one its creator
    started. Anything but exactly one match is `Unreadable`."""
    when = deployment.created_at
    try:
        raws = list(_search(conn, deployment.repository, deployment.sha, when))
    except GitHubError as exc:
        if exc.status not in (403, 404):
            raise
        return Found(Unreadable(f"the runs of {deployment.sha[:12]} could not be searched: {exc}"))
    alive = [
        raw
        for raw in raws
        if (created := timestamp(raw.get("created_at"))) is not None
        and created <= when
        and ((updated := timestamp(raw.get("updated_at"))) is None or updated >= when)
    ]
    # A job's deployment is created by whoever started its run (attempt).
    creator = deployment.creator
    matches = [
        raw
        for raw in alive
        if creator is None
        or creator.lower()
        in {(_login(raw.get(k)) or "").lower() for k in ("actor", "triggering_actor")}
    ]
    if len(matches) == 1:
        return Found(parse_run(matches[0]))
    by = f" started by {creator}" if creator else ""
    if not matches:
        why = f"no run of {deployment.sha[:12]}{by} was under way when it was created"
    else:
        ids = ", ".join(str(raw.get("id")) for raw in matches[:5])
        why = f"{len(matches)} runs of {deployment.sha[:12]}{by} could have made it ({ids})"
    # At GitHub's cap, the run sought may be one of those it left out.
    return Found(Unreadable(f"its statuses name no run and {why}"), len(raws) >= SEARCH_CAP)
