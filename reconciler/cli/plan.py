"""`reconcile plan`: what would change; never writes."""

from __future__ import annotations

import argparse
import json
import sys

from reconciler.cli.exits import ExitCode
from reconciler.cli.plan_file import CONFIG_DIGEST, config_digest
from reconciler.cli.session import color, config_file, connect, write_text


def run(args: argparse.Namespace) -> int:
    from reconciler.cli.progress import progress
    from reconciler.config import load_desired
    from reconciler.render import Wording, render
    from reconciler.run.planning import make_plan
    from reconciler.run.scope import Scope

    desired = load_desired(config_file(args))
    conn = connect(args, desired)
    with progress() as track:
        result = make_plan(
            desired,
            conn,
            scope=Scope.of(args.repo, args.env),
            concurrency=args.concurrency,
            track=track,
        )
    wording = Wording.plan(desired.source)
    sys.stdout.write(render(result.plan, args.format, color=color(args), wording=wording))
    if args.out:
        saved = result.plan.to_json()
        saved[CONFIG_DIGEST] = config_digest(desired, Scope.of(args.repo, args.env))
        write_text(args.out, json.dumps(saved, indent=2) + "\n")
    if args.detailed_exitcode and result.plan.has_drift:
        return ExitCode.DRIFT
    return ExitCode.OK
