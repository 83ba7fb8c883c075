"""The one error the config stage raises: a position in the file and a sentence."""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import ReconcileError


class ConfigError(ReconcileError):
    """`FILE:LINE:COL: sentence` on one line; line and column are 1-based."""

    def __init__(self, file: Path | str, line: int, column: int, message: str) -> None:
        # One line always: a sentence that wraps would break editors' and CI's
        # `file:line:col:` matchers.
        flat = " ".join(message.split())
        self.file = str(file)
        self.line = line
        self.column = column
        self.message = flat
        super().__init__(f"{self.file}:{line}:{column}: {flat}")
