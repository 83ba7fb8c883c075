"""structlog, configured once per process: logs go to standard error.

INFO by default (each write of apply is one line), DEBUG with -v; WARNING
with a negative verbosity (the demo, whose narration is the output).

Console rendering on a TTY, JSON lines otherwise (what CI log collectors
want). Standard output is left to the plan and reports.

One line per event, whoever logs it: the standard library's loggers (urllib3,
PyGithub, botocore) go through the same renderer, at WARNING or above, and
PyGithub's own handler (added when it is imported, possibly after
`configure`) is removed by `claim_library_loggers`. Console lines are short:
one time of day, no empty fields, none of the fields the message already says
(`CONSOLE_OMIT`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Mapping, MutableMapping
from typing import Any, Literal, TextIO

import structlog

LogFormat = Literal["console", "json"]

# Keys whose values must never be rendered, whatever logs them.
_REDACTED_KEYS = frozenset({"token", "authorization", "value", "plaintext", "secret_value"})

# A log call may name, under this key, fields a console line leaves out (the
# message already says them, or they are the same on every line of a run).
# JSON lines keep them: they are the machine-readable record.
CONSOLE_OMIT = "console_omit"

# Libraries that log through the standard library; they get our handler only.
LIBRARY_LOGGERS = ("github", "urllib3", "botocore", "boto3")

_state: dict[str, int] = {"level": logging.INFO}


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    for key in list(event):
        if key.lower() in _REDACTED_KEYS:
            event[key] = "(sensitive)"
    return event


def _concise(_: Any, __: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    omit = set(event.pop(CONSOLE_OMIT, ()))
    for key in list(event):
        if event[key] is None or key in omit:
            del event[key]
    return event


def _complete(_: Any, __: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    event.pop(CONSOLE_OMIT, None)
    return event


class _LiveStderr:
    """Whatever sys.stderr is at the moment of writing, not at configure time.

    Whole lines only, under one lock: structlog and the standard library's
    handler lock separately, and a progress display that owns sys.stderr must
    never receive half a line from one thread and half from another.
    """

    _lock = threading.Lock()
    _pending = threading.local()

    def write(self, text: str) -> int:
        pending: str = getattr(self._pending, "text", "") + text
        complete, newline, rest = pending.rpartition("\n")
        self._pending.text = rest
        if newline:
            with self._lock, contextlib.suppress(OSError):
                # A terminal that hung up (EIO) must not fail the write being logged;
                # the audit log, not this line, is apply's record.
                sys.stderr.write(complete + "\n")
                sys.stderr.flush()
        return len(text)

    def flush(self) -> None:
        with self._lock, contextlib.suppress(OSError):
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
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
    ]
    if fmt == "json":
        shared += [structlog.processors.TimeStamper(fmt="iso", utc=True), _redact, _complete]
        renderer: Any = structlog.processors.JSONRenderer(sort_keys=True)
    else:
        shared += [structlog.processors.TimeStamper(fmt="%H:%M:%S", utc=False), _redact, _concise]
        renderer = structlog.dev.ConsoleRenderer(
            colors=out.isatty() and "NO_COLOR" not in os.environ, pad_event_to=0, sort_keys=False
        )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    # Libraries log through the standard library: render their lines like ours,
    # so --log-format json stays JSON, and only from WARNING up.
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    _state["level"] = max(level, logging.WARNING)
    handler.setLevel(_state["level"])
    logging.basicConfig(level=_state["level"], handlers=[handler], force=True)
    claim_library_loggers()


def claim_library_loggers() -> None:
    """Leave the libraries' records to our one handler, at our level.

    PyGithub adds a StreamHandler of its own and sets INFO when imported, so a
    failed request would print twice (raw, then ours) and at INFO; the module
    that imports PyGithub calls this right after.
    """
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.setLevel(_state["level"])
        library.propagate = True


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
