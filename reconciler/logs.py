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


class _LiveStderr:
    """Whatever sys.stderr is at the moment of writing, not at configure time."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure(
    *, verbosity: int = 0, fmt: LogFormat | None = None, stream: TextIO | None = None
) -> None:
    out: Any = stream if stream is not None else _LiveStderr()
    if fmt is None:
        fmt = "console" if out.isatty() else "json"
    level = logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG
    renderer: Any
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer(sort_keys=True)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=out.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    # Libraries (urllib3, PyGithub) log through the standard library: render
    # their lines like ours, so --log-format json stays JSON, and at our level.
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    logging.basicConfig(level=max(level, logging.WARNING), handlers=[handler], force=True)
    # PyGithub installs a handler of its own on import; ours is the only one.
    github_logger = logging.getLogger("github")
    github_logger.handlers.clear()
    github_logger.setLevel(max(level, logging.WARNING))


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
