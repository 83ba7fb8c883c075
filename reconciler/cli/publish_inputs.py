"""What `reconcile publish` reads: the files the workflow's steps wrote, and the run
it is in (GitHub Actions' documented variables and its event file), each of
which an option can give instead."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.cli.plan_file import load_plan_file
from reconciler.errors import ReconcileError
from reconciler.model.desired import DesiredState
from reconciler.render.report import Missing, PlanPart
from reconciler.render.report_approvals import ApprovalAudit
from reconciler.render.report_drift import ApprovalsPart
from reconciler.render.report_pr import BASE_INVALID, HEAD_INVALID, DiffPart

# GitHub's values of `steps.<id>.outcome` and `needs.<job>.result`.
OUTCOMES = ("success", "failure", "cancelled", "skipped")


@dataclass(frozen=True)
class RunFacts:
    repository: str  # owner/name the comment or issue goes to
    run_url: str | None
    summary: Path | None  # $GITHUB_STEP_SUMMARY


def _needed(value: str | None, what: str, how: str) -> str:
    if not value:
        raise ReconcileError(f"publish needs {what}: {how}")
    return value


def run_facts(args: argparse.Namespace, environ: Mapping[str, str]) -> RunFacts:
    repository = _needed(
        args.repository or environ.get("GITHUB_REPOSITORY"),
        "the repository to publish to",
        "pass --repository OWNER/NAME (GitHub Actions sets GITHUB_REPOSITORY)",
    )
    if repository.count("/") != 1 or not all(repository.split("/")):
        raise ReconcileError(f"--repository {repository!r} is not OWNER/NAME")
    run_url = args.run_url
    server, run_id = environ.get("GITHUB_SERVER_URL"), environ.get("GITHUB_RUN_ID")
    if run_url is None and server and run_id and environ.get("GITHUB_REPOSITORY"):
        run_url = f"{server.rstrip('/')}/{environ['GITHUB_REPOSITORY']}/actions/runs/{run_id}"
    summary = args.summary or environ.get("GITHUB_STEP_SUMMARY")
    return RunFacts(repository, run_url, Path(summary) if summary else None)


@dataclass(frozen=True)
class PullRequestFacts:
    number: int
    sha: str | None
    fork: bool


def pull_request_facts(args: argparse.Namespace, environ: Mapping[str, str]) -> PullRequestFacts:
    """The pull request from the options, else from the workflow's event file."""
    event = _event(environ.get("GITHUB_EVENT_PATH"))
    raw = event.get("pull_request")
    pull: dict[str, Any] = raw if isinstance(raw, dict) else {}
    number = args.number if args.number is not None else pull.get("number")
    if not isinstance(number, int):
        raise ReconcileError(
            "publish pr needs the pull request's number: pass --number N (a pull_request "
            "workflow's event file, GITHUB_EVENT_PATH, has it)"
        )
    head, base = pull.get("head") or {}, pull.get("base") or {}
    sha = args.sha or (head.get("sha") if isinstance(head.get("sha"), str) else None)
    fork = args.fork
    if fork is None:
        # A deleted fork leaves `head.repo` null: that is a fork too.
        head_repo = (head.get("repo") or {}).get("full_name")
        base_repo = (base.get("repo") or {}).get("full_name")
        fork = bool(pull) and head_repo != base_repo
    return PullRequestFacts(number, sha, fork)


def _event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReconcileError(f"cannot read the workflow's event file {path}: {exc}") from None
    return data if isinstance(data, dict) else {}


def validation(config: Path) -> tuple[tuple[str, ...], DesiredState | None]:
    """What `reconcile validate` would say is wrong (empty when valid), and the state."""
    from reconciler.config import load_desired

    try:
        return (), load_desired(config)
    except ReconcileError as exc:
        return tuple(line.removeprefix("error: ") for line in exc.report()), None


def diff_part(base: Path, head: DesiredState | None) -> DiffPart:
    """`reconcile diff` of the base branch's file (missing: new here) against the head's."""
    from reconciler.config import load_desired
    from reconciler.diff.review import desired_diff

    if head is None:
        return DiffPart(reason=HEAD_INVALID)
    if base == Path(os.devnull) or not base.exists():
        return DiffPart(plan=desired_diff(None, head), new_file=True)
    try:
        old = load_desired(base)
    except ReconcileError:
        return DiffPart(reason=BASE_INVALID)
    return DiffPart(plan=desired_diff(old, head))


def plan_part(
    path: Path, outcome: str | None, *, fork: bool = False, invalid: bool = False
) -> PlanPart:
    """The saved plan, or why there is none. `outcome`: the plan step's, when known."""
    if invalid:
        return PlanPart(missing=Missing.INVALID_CONFIG)
    if fork:
        return PlanPart(missing=Missing.FORK)
    if outcome == "skipped":
        return PlanPart(missing=Missing.NO_CREDENTIALS)
    if outcome in {"failure", "cancelled"}:
        return PlanPart(missing=Missing.FAILED)
    if not path.exists():
        return PlanPart(missing=Missing.FAILED, detail=f"{path} was not written")
    try:
        return PlanPart(plan=load_plan_file(path))
    except ReconcileError as exc:
        return PlanPart(missing=Missing.FAILED, detail=str(exc))


def approvals_part(path: Path) -> ApprovalsPart:
    """The approval audit `reconcile approvals --format json` wrote, or why there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ApprovalsPart(problem=f"{path} was not written")
    except (OSError, UnicodeDecodeError) as exc:
        return ApprovalsPart(problem=f"cannot read {path}: {exc}")
    if not text.strip():
        return ApprovalsPart(problem=f"{path} is empty")
    try:
        return ApprovalsPart(audit=ApprovalAudit.from_json(json.loads(text)))
    except json.JSONDecodeError as exc:
        return ApprovalsPart(problem=f"{path} is not JSON (line {exc.lineno}: {exc.msg})")
    except (ValueError, RecursionError) as exc:
        return ApprovalsPart(problem=f"{path} is not an approvals report: {exc}")
