"""Progress of plan and apply on standard error, only on a terminal.

The stages count through a `Tracker` (`reconciler.model.progress`); here the
counts become bars with `12/40` beside them. Off a terminal the tracker is
`quiet` and nothing is drawn.

rich draws the bars (and clears them when done). While they are shown,
sys.stderr prints through rich's console: a log line written meanwhile
appears above the bars, whole, never into them. Log lines reach sys.stderr as
it is at the time of writing (`reconciler.logs`), which is what lets this work.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from reconciler.model.progress import Advance, Tracker, quiet


class _AboveBars:
    """sys.stderr while the bars are shown: each whole line is printed above them.

    Printed as it came (soft wrap: the terminal folds a long line, rich does
    not re-wrap it) and through rich's console, which keeps the bars below.
    """

    def __init__(self, console: Any) -> None:
        self._console = console
        self._partial = ""

    def write(self, text: str) -> int:
        from rich.text import Text

        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self._console.print(Text.from_ansi(line), soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return True


@contextmanager
def progress(*, stream: TextIO | None = None) -> Iterator[Tracker]:
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        yield quiet
        return
    # rich only when there is a terminal to draw on; CI never imports it.
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(file=out, highlight=False)
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,  # _AboveBars instead: rich's own proxy re-wraps lines
    )

    def track(label: str, total: int) -> Advance:
        task = bars.add_task(label, total=total)
        return lambda: bars.advance(task)

    saved = sys.stderr
    bars.start()
    sys.stderr = _AboveBars(console)
    try:
        yield track
    finally:
        # A terminal that hung up (SIGHUP) fails the last redraw with EIO; the run's
        # outcome must not be lost to the bars.
        with contextlib.suppress(OSError):
            bars.stop()
        sys.stderr = saved
