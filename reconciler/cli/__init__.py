"""`reconcile`: the console script. Parses, sets up logs, runs one command.

Every problem the user can act on arrives here as a ReconcileError (or a
subclass) and leaves as one line on stderr with exit code 1.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import os
import sys
from collections.abc import Sequence

from reconciler import logs
from reconciler.cli.exits import ExitCode
from reconciler.cli.parser import build_parser
from reconciler.errors import ReconcileError
from reconciler.run.interrupts import Interrupted


@functools.cache
def _parser() -> argparse.ArgumentParser:
    """Built once per process: parsing leaves it as it was, and building it is most
    of the cost of a `main()` that only parses (every in-process run of the tests)."""
    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure(verbosity=args.verbose, fmt=args.log_format)
    command = importlib.import_module(f"reconciler.cli.{args.command}")
    try:
        code: int = command.run(args)
    except ReconcileError as exc:
        for line in exc.report():
            print(line, file=sys.stderr)
        return ExitCode.ERROR
    except Interrupted as exc:
        # After SIGHUP the terminal may be gone: the exit code must still be the signal's.
        with contextlib.suppress(OSError):
            print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    return code


def run() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`reconcile plan | head`): not an error worth a traceback.
        # Python's documented recipe: point stdout at devnull so the exit flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = ExitCode.ERROR
    sys.exit(code)
