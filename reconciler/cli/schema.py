"""`reconcile schema`: the JSON Schema of environments.yaml."""

from __future__ import annotations

import argparse
import json

from reconciler.cli.exits import ExitCode


def run(args: argparse.Namespace) -> int:
    from reconciler.config import json_schema

    print(json.dumps(json_schema(), indent=2))
    return ExitCode.OK
