"""`reconcile sandbox`: the local GitHub and AWS emulators, until Ctrl-C."""

from __future__ import annotations

import argparse

from reconciler.cli.session import config_file


def run(args: argparse.Namespace) -> int:
    from reconciler.sandbox.runner import run_sandbox

    return run_sandbox(config_file(args), port=args.port)
