"""The apply command's flow: plan, confirm, write, verify, report."""

from __future__ import annotations

import argparse
import json
import sys

from reconciler.applier import ApplyReport
from reconciler.errors import ReconcileError
from reconciler.plan import Plan

EXIT_OK, EXIT_ERROR = 0, 1


def _same_changes(saved: Plan, fresh: Plan) -> list[str]:
    """Ids of changes that differ between a saved plan and a fresh one."""
    a = {c.id: c.to_json() for c in saved.changes}
    b = {c.id: c.to_json() for c in fresh.changes}
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def _confirm(count: int) -> None:
    answer = input(f"\nApply {count} change(s) to GitHub? Only 'yes' will be accepted: ")
    if answer.strip() != "yes":
        raise ReconcileError("apply cancelled; nothing was written")


def run_apply(args: argparse.Namespace, *, color: bool) -> int:
    from reconciler.applier import check_prune_threshold
    from reconciler.cli.commands import connect, load_plan_file
    from reconciler.config import load_desired
    from reconciler.converge import apply_and_verify
    from reconciler.planner import make_plan
    from reconciler.progress import progress
    from reconciler.render import Wording, render
    from reconciler.scope import Scope

    desired = load_desired(args.config)
    saved = load_plan_file(args.plan_file) if args.plan_file else None
    conn = connect(args, desired)
    scope = Scope.of(args.repo, args.env)
    with progress() as track:
        result = make_plan(desired, conn, scope=scope, concurrency=args.concurrency, track=track)
    plan = result.plan
    if saved is not None:
        differing = _same_changes(saved, plan)
        if differing:
            raise ReconcileError(
                f"the saved plan {args.plan_file} is stale: live state changed since it was "
                f"made ({len(differing)} change(s) differ, e.g. {differing[0]}); "
                "run `reconcile plan --out FILE` again"
            )
    wording = Wording.plan(desired.source)
    if args.format != "json":
        sys.stdout.write(render(plan, args.format, color=color, wording=wording))
    unreadable = result.observed.aws.unavailable
    if unreadable is not None:
        # Roles unverified and secrets unreadable: a partial apply would be a guess.
        raise ReconcileError(
            f"not applying: AWS is not readable ({unreadable}); apply needs it to check "
            "roles and read secrets. Nothing was written"
        )
    if not plan.changes:
        if args.format == "json":
            print_report(plan, ApplyReport(remaining=plan), "json", desired.source)
        if plan.errors:
            print("Nothing to apply, but the plan has errors (see findings).", file=sys.stderr)
            return EXIT_ERROR
        return EXIT_OK
    check_prune_threshold(plan, result.observed, force=args.force)
    if not args.yes:
        _confirm(len(plan.changes))

    with progress() as track:
        report = apply_and_verify(
            result,
            conn,
            scope=scope,
            audit_log=args.audit_log,
            concurrency=args.concurrency,
            track=track,
        )
    print_report(plan, report, args.format, desired.source)
    # Error findings left after apply mean GitHub or AWS is still not right.
    remaining_errors = report.remaining.errors if report.remaining else ()
    return EXIT_OK if report.ok and not remaining_errors else EXIT_ERROR


def print_report(plan: Plan, report: ApplyReport, fmt: str, source: str) -> None:
    """The outcome of apply; `source` names the config GitHub was made to match."""
    remaining = report.remaining or Plan()
    if fmt == "json":
        doc = {
            "plan": plan.to_json(),
            "applied": [c.id for c in report.applied],
            "failed": [{"id": c.id, "error": e} for c, e in report.failed],
            "skipped": [{"id": c.id, "reason": r} for c, r in report.skipped],
            "remaining": remaining.to_json(),
        }
        print(json.dumps(doc, indent=2))
        return
    print()
    for change, error in report.failed:
        print(f"failed:  {change.id}: {error}")
    for change, reason in report.skipped:
        print(f"skipped: {change.id}: {reason}")
    print(
        f"Apply: {len(report.applied)} applied, {len(report.failed)} failed, "
        f"{len(report.skipped)} skipped."
    )
    if remaining.changes:
        print(f"Verification: {len(remaining.changes)} change(s) still pending after apply:")
        for change in remaining.changes:
            print(f"  {change.id}: {change.reason}")
    else:
        print(f"Verified: GitHub now matches {source}.")
