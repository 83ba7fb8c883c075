"""GitHub's limits on how many variables and secrets a scope holds and how large a
variable may be (see `reconciler.model.limits`), checked on the file by `semantics`.

Each check answers the path to point at and the sentence, or None when fine.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.config.positions import Path_, describe
from reconciler.model.limits import MAX_VALUE_BYTES, value_bytes

Problem = tuple[Path_, str] | None


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def too_many(paths: Sequence[Path_], limit: int, kind: str, scope: str) -> Problem:
    """The first declaration past `limit` in `scope` ("environment 'prod' of repository 'a'")."""
    if len(paths) <= limit:
        return None
    path = paths[limit]
    return path, (
        f"{describe(path)} is the {_ordinal(limit + 1)} {kind} of {scope} "
        f"({len(paths)} in all); GitHub stores at most {limit} {kind}s there"
    )


def too_large(path: Path_, written: str, stored: str, scope: str) -> Problem:
    """A variable whose value (`stored`: placeholders filled for `scope`) exceeds 48 KB."""
    size = value_bytes(stored)
    if size <= MAX_VALUE_BYTES:
        return None
    filled = "" if stored == written else f" once its placeholders are filled for {scope}"
    return path, (
        f"{describe(path)} is {size:,} bytes{filled}, over GitHub's limit of 48 KB "
        f"({MAX_VALUE_BYTES:,} bytes) per variable"
    )
