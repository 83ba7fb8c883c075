"""structlog, configured once per process: logs go to standard error.

INFO by default (each write of apply is one line), DEBUG with -v; WARNING
with a negative verbosity (the demo, whose narration is the output).

Console rendering on a TTY, JSON lines otherwise (what CI log collectors
want). Standard output is left to the plan and reports.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, Literal, TextIO

import structlog

LogFormat = Literal["console", "json"]

# Keys whose values must never be rendered, whatever logs them.
_REDACTED_KEYS = frozenset({"token", "authorization", "value", "plaintext", "secret_value"})


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    for key in list(event):
        if key.lower() in _REDACTED_KEYS:
            event[key] = "(sensitive)"
    return event


def configure(
    *, verbosity: int = 0, fmt: LogFormat | None = None, stream: TextIO | None = None
) -> None:
    out = stream if stream is not None else sys.stderr
    if fmt is None:
        fmt = "console" if out.isatty() else "json"
    level = logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG
    renderer: Any
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer(sort_keys=True)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=out.isatty())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    # Libraries log through the standard library; keep their noise at our level.
    logging.basicConfig(level=max(level, logging.WARNING), stream=out, force=True)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
