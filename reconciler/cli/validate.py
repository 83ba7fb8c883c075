"""`reconcile validate`: the config checked offline."""

from __future__ import annotations

import argparse

from reconciler.cli.exits import ExitCode
from reconciler.cli.session import config_file


def run(args: argparse.Namespace) -> int:
    from reconciler.config import load_desired

    desired = load_desired(config_file(args))
    envs = sum(len(r.environments) for r in desired.repositories)
    print(
        f"{args.config}: valid — {len(desired.repositories)} repositories, "
        f"{envs} environments, owner {desired.owner}"
    )
    return ExitCode.OK
