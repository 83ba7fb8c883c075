"""`reconcile approvals`: did every deployment to a gated environment get the
approval the file declares? Read-only, like plan (docs/approvals.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from reconciler.cli.exits import ExitCode
from reconciler.cli.session import color, config_file, connect


def run(args: argparse.Namespace) -> int:
    from reconciler.approvals import parse_since
    from reconciler.cli.progress import progress
    from reconciler.config import load_desired
    from reconciler.render.approvals import render_approvals
    from reconciler.run.approvals import audit_approvals, in_scope, least_requests
    from reconciler.run.scope import Scope

    # The window is settled before anything is read: a typo costs no request.
    since = parse_since(args.since, datetime.now(UTC).replace(microsecond=0))
    desired = load_desired(config_file(args))
    scope = Scope.of(args.repo, args.env)
    conn = connect(args, desired, requests=least_requests(in_scope(desired, scope)))
    with progress() as track:
        report = audit_approvals(
            desired,
            conn,
            since=since,
            scope=scope,
            concurrency=args.concurrency,
            track=track,
        )
    sys.stdout.write(render_approvals(report, args.format, color=color(args)))
    if args.detailed_exitcode and report.violations:
        return ExitCode.DRIFT
    return ExitCode.OK
