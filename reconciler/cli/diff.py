"""`reconcile diff OLD NEW`: what a change to the file changes, offline (for review)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from reconciler.cli.exits import ExitCode
from reconciler.cli.session import color


def run(args: argparse.Namespace) -> int:
    from reconciler.config import load_desired
    from reconciler.diff.review import desired_diff
    from reconciler.render import Wording, render

    # A pull request that adds the file has no old one: pass /dev/null (or a missing path).
    new_file = args.old == Path(os.devnull) or not args.old.exists()
    old = None if new_file else load_desired(args.old)
    plan = desired_diff(old, load_desired(args.new))
    wording = Wording.review(str(args.old), str(args.new))
    sys.stdout.write(render(plan, args.format, color=color(args), wording=wording))
    return ExitCode.OK
