"""The pacing and retry options of commands that talk to GitHub: their flags'
types, and the documented variables an unset flag falls back to
(docs/configuration.md, "Pacing and retries").

Kept apart from `reconciler.github` so that parsing a command line does not
import PyGithub.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Mapping
from typing import TypeVar

from reconciler.errors import ReconcileError

POINTS_VARIABLE = "RECONCILE_POINTS_PER_MINUTE"
BACKOFF_VARIABLE = "RECONCILE_RETRY_BACKOFF"
# The longest first back-off we accept: it doubles per attempt, each wait at most 60 s.
MAX_BACKOFF = 60.0

T = TypeVar("T")


def parse_points(text: str) -> int:
    """Points a minute: a whole number of at least 1, or `off`/`0` (returned as 0:
    no secondary-limit pacing, for a server with rate limiting switched off)."""
    value = text.strip().lower()
    if value in ("off", "0"):
        return 0
    if not value.isdigit():
        raise ValueError(f"{text!r} is not a positive whole number or off")
    return int(value)


def parse_backoff(text: str) -> float:
    """A first back-off in seconds, from 0 to `MAX_BACKOFF`."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_BACKOFF:
        raise ValueError(f"{text!r} is not a number of seconds from 0 to {int(MAX_BACKOFF)}")
    return value


def argparse_type(parse: Callable[[str], T]) -> Callable[[str], T]:
    """`parse` as an argparse type: its complaint becomes a usage error."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


def option_or_variable(
    given: T | None, name: str, environ: Mapping[str, str], parse: Callable[[str], T]
) -> T | None:
    """The flag's value, else the variable's (unset or empty: None)."""
    if given is not None or not environ.get(name):
        return given
    try:
        return parse(environ[name])
    except ValueError as exc:
        raise ReconcileError(f"{name}: {exc}") from None
