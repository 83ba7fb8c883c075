"""The process exit codes (README.md, "Exit codes"), defined once.

`--help` prints EXIT_CODES_TABLE and the README shows the same rows; a test
keeps the two equal. A mistyped command line is 1, never 2: a nightly job
reads 2 as drift and must not mistake a typo for it.
"""

from __future__ import annotations

import textwrap
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    DRIFT = 2
    CHECK_FAILED = 3  # publish: the report is out and the check fails
    HUNG_UP = 129  # SIGHUP (a closed terminal, a dropped ssh session): 128 + 1
    INTERRUPTED = 130  # SIGINT (Ctrl-C): 128 + 2
    TERMINATED = 143  # SIGTERM: 128 + 15


EXIT_CODES: tuple[tuple[ExitCode, str], ...] = (
    (ExitCode.OK, "success; for plan --detailed-exitcode: no drift"),
    (
        ExitCode.ERROR,
        "error: a mistyped command line, an invalid config, GitHub or AWS "
        "unreachable or refusing, a refused or partial apply",
    ),
    (
        ExitCode.DRIFT,
        "drift, for plan --detailed-exitcode only: a change or an error finding; for approvals "
        "--detailed-exitcode: a self_approved, bypassed, unapproved or unknown deployment",
    ),
    (
        ExitCode.CHECK_FAILED,
        "for publish only: the report is published and the check fails "
        "(an invalid file, a failed plan or audit, error findings)",
    ),
    (ExitCode.HUNG_UP, "hung up (SIGHUP: the terminal closed, the ssh session dropped)"),
    (ExitCode.INTERRUPTED, "interrupted by Ctrl-C (SIGINT)"),
    (ExitCode.TERMINATED, "terminated by SIGTERM"),
)


def _rows(width: int = 72) -> str:
    return "\n".join(
        textwrap.fill(meaning, width, initial_indent=f"  {int(code):<5}", subsequent_indent=" " * 7)
        for code, meaning in EXIT_CODES
    )


EXIT_CODES_TABLE = "exit codes:\n" + _rows()
