"""The one error the config stage raises: a position in the file and a sentence.

A file with several mistakes raises one ConfigError for the first of them in
file order, carrying the others in `more`, so one run reports them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from reconciler.errors import ReconcileError


class ConfigError(ReconcileError):
    """`FILE:LINE:COL: sentence` on one line; line and column are 1-based."""

    def __init__(
        self,
        file: Path | str,
        line: int,
        column: int,
        message: str,
        *,
        source_line: str | None = None,
    ) -> None:
        # One line always: a sentence that wraps would break editors' and CI's
        # `file:line:col:` matchers.
        flat = " ".join(message.split())
        self.file = str(file)
        self.line = line
        self.column = column
        self.message = flat
        # The text of the line, shown under the error where the sentence alone
        # cannot name what is wrong (YAML syntax).
        self.source_line = source_line
        self.more: tuple[ConfigError, ...] = ()
        super().__init__(f"{self.file}:{line}:{column}: {flat}")

    @property
    def all(self) -> tuple[ConfigError, ...]:
        """This error and the others of the same file, in file order."""
        return (self, *self.more)

    def report(self) -> list[str]:
        lines: list[str] = []
        for error in self.all:
            lines.append(f"error: {error}")
            if error.source_line is not None:
                gutter = f"{error.line:>5} | "
                lines.append(gutter + error.source_line)
                lines.append(" " * (len(gutter) - 2) + "| " + " " * (error.column - 1) + "^")
        return lines


def combined(errors: Iterable[ConfigError]) -> ConfigError | None:
    """One ConfigError for many: the first in file order, the rest in `more`.

    Identical errors (the same sentence at the same place, as when a shared
    environment is checked once per repository) are reported once.
    """
    unique: dict[tuple[str, int, int, str], ConfigError] = {}
    for error in errors:
        unique.setdefault((error.file, error.line, error.column, error.message), error)
    ordered = sorted(unique.values(), key=lambda e: (e.line, e.column))
    if not ordered:
        return None
    first = ordered[0]
    first.more = tuple(ordered[1:])
    return first
