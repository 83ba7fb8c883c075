"""The apply command's flow: plan, confirm, write, verify, report.

The order is the safety: the audit log is opened (so checked) and the apply
lock taken before GitHub is read or anyone is asked, and stop signals are
handled from the first line on (see `reconciler.run.interrupts`): before the
writes a signal ends the run with nothing written; during them no new write
starts and the report is still printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from reconciler.cli.apply_report import print_errors, print_report
from reconciler.cli.exits import ExitCode
from reconciler.cli.session import color, config_file
from reconciler.errors import ReconcileError
from reconciler.model.plan import Plan
from reconciler.run.applier import ApplyReport
from reconciler.run.interrupts import (
    Interrupted,
    SignalGuard,
    StopSwitch,
    exit_code_for,
    signal_name,
)

if TYPE_CHECKING:
    from reconciler.aws import AwsSessions
    from reconciler.github import GitHubConnection
    from reconciler.model.desired import DesiredState
    from reconciler.model.progress import Tracker
    from reconciler.run.audit import AuditFile, AuditLog
    from reconciler.run.planning import PlanResult


def _same_changes(saved: Plan, fresh: Plan) -> list[str]:
    """Ids of changes that differ between a saved plan and a fresh one."""
    a = {c.id: c.to_json() for c in saved.changes}
    b = {c.id: c.to_json() for c in fresh.changes}
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def _confirm(count: int) -> None:
    try:
        answer = input(f"\nApply {count} change(s) to GitHub? Only 'yes' will be accepted: ")
    except EOFError:  # Ctrl-D
        print(file=sys.stderr)
        raise ReconcileError(
            "apply cancelled: no answer (end of input); nothing was written"
        ) from None
    if answer.strip() != "yes":
        raise ReconcileError("apply cancelled; nothing was written")


def run_apply(args: argparse.Namespace, *, color: bool) -> int:
    from reconciler.cli.plan_file import load_plan_file
    from reconciler.config import load_desired
    from reconciler.run.audit import AuditFile
    from reconciler.run.lock import apply_lock

    with SignalGuard("interrupted by {signal} before any write; nothing was written") as guard:
        desired = load_desired(args.config)
        saved = load_plan_file(args.plan_file) if args.plan_file else None
        sink = AuditFile.open(args.audit_log, config=str(args.config)) if args.audit_log else None
        try:
            with apply_lock(desired.owner, config=args.config):
                return _run(args, desired, saved, sink, guard, color=color)
        finally:
            if sink is not None:
                sink.close()


def _run(
    args: argparse.Namespace,
    desired: DesiredState,
    saved: Plan | None,
    sink: AuditFile | None,
    guard: SignalGuard,
    *,
    color: bool,
) -> int:
    from reconciler.aws import AwsSessions
    from reconciler.cli.plan_file import what_changed
    from reconciler.cli.progress import progress
    from reconciler.cli.session import connect
    from reconciler.github import authenticated_actor
    from reconciler.render import Wording, render
    from reconciler.run.apply_and_verify import verify
    from reconciler.run.audit import AuditLog
    from reconciler.run.planning import make_plan
    from reconciler.run.prune_guard import check_prune_threshold
    from reconciler.run.scope import Scope

    conn = connect(args, desired, actor_first=True)
    scope = Scope.of(args.repo, args.env)
    # The plan's AWS clients read the secrets too: each read role assumed once.
    aws = AwsSessions(desired.aws)
    with progress() as track:
        result = make_plan(
            desired,
            conn,
            scope=scope,
            concurrency=args.concurrency,
            track=track,
            aws_sessions=aws,
        )
    plan = result.plan
    if saved is not None:
        differing = _same_changes(saved, plan)
        if differing:
            changed = what_changed(args.plan_file, args.config, desired, scope)
            raise ReconcileError(
                f"the saved plan {args.plan_file} is stale: {changed} "
                f"({len(differing)} change(s) differ, e.g. {differing[0]}); "
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
            return ExitCode.ERROR
        return ExitCode.OK
    check_prune_threshold(plan, result.observed, force=args.force, scope=scope)
    if not args.yes:
        _confirm(len(plan.changes))

    audit = AuditLog(authenticated_actor(conn), sink)
    with progress() as track:
        report = _write(
            result, conn, audit, guard, concurrency=args.concurrency, track=track, aws=aws
        )
        if report.stopped is None:
            try:
                verify(
                    report,
                    result,
                    conn,
                    scope=scope,
                    concurrency=args.concurrency,
                    wait=args.verify_wait,
                )
            except Interrupted as exc:
                report.verify_error, report.signum = str(exc), exc.signum
    # From here a signal only changes the exit code: the report must come out whole.
    with guard.during_writes(lambda signum: None, lambda signum: None):
        _show(plan, report, args.format, desired.source)
    return _exit_code(report, guard)


def _show(plan: Plan, report: ApplyReport, fmt: str, source: str) -> None:
    """The report, where there is still someone to read it."""
    try:
        print_report(plan, report, fmt, source)
        print_errors(report)
        sys.stdout.flush()
    except OSError:
        # The terminal is gone (after SIGHUP a write gives EIO) or the reader left:
        # the audit log and the exit code still tell, so no traceback into the void.
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            os.dup2(devnull, stream.fileno())
        os.close(devnull)


def _write(
    result: PlanResult,
    conn: GitHubConnection,
    audit: AuditLog,
    guard: SignalGuard,
    *,
    concurrency: int,
    track: Tracker,
    aws: AwsSessions,
) -> ApplyReport:
    from reconciler.run.apply_and_verify import apply_plan
    from reconciler.run.interrupts import say

    stop = StopSwitch()

    def on_stop(signum: int) -> None:
        name = signal_name(signum)
        if stop.set(f"interrupted by {name}", signum=signum):
            audit.event(
                "interrupted",
                signal=name,
                in_flight=list(stop.in_flight_at_stop),
                error="no write is sent after this; the writes in flight (sent before it) "
                "finish and are recorded",
            )
            say(
                f"reconcile: {name} received: no new write will start; finishing the writes "
                "in flight (a second signal exits at once)\n"
            )

    def on_abort(signum: int) -> None:
        audit.abort(
            "aborted",
            signal=signal_name(signum),
            # Sent, unanswered or unrecorded: GitHub may or may not have done them.
            in_flight=stop.in_flight(),
            error="second signal: exited without waiting for the writes in flight, which "
            "may or may not have happened; `reconcile plan` shows what is left",
        )

    with guard.during_writes(on_stop, on_abort):
        report = apply_plan(
            result,
            conn,
            audit=audit,
            concurrency=concurrency,
            stop=stop,
            track=track,
            aws_sessions=aws,
        )
        guard.message = "interrupted by {signal} while verifying"
    # A signal just after the last write still means: stop here, do not verify.
    report.stopped, report.signum = stop.reason, stop.signum
    report.in_flight_at_stop, report.sent_after_stop = stop.in_flight_at_stop, stop.sent_after_stop
    return report


def _exit_code(report: ApplyReport, guard: SignalGuard) -> int:
    signum = report.signum if report.signum is not None else guard.signum
    if signum is not None:
        return exit_code_for(signum)
    # Error findings left after apply mean GitHub or AWS is still not right.
    remaining_errors = report.remaining.errors if report.remaining else ()
    return ExitCode.OK if report.ok and not remaining_errors else ExitCode.ERROR


def run(args: argparse.Namespace) -> int:
    if not args.yes and not sys.stdin.isatty():
        raise ReconcileError(
            "refusing to apply without confirmation: there is no terminal to ask on; "
            "review the plan and re-run with --yes"
        )
    config_file(args)
    return run_apply(args, color=color(args))
