"""A progress indicator on stderr, only on a TTY and only for runs over a second."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_FRAMES = "|/-\\"


@contextmanager
def progress(label: str, *, stream: TextIO | None = None, delay: float = 1.0) -> Iterator[None]:
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        yield
        return
    done = threading.Event()

    def spin() -> None:
        if done.wait(delay):
            return
        frame = 0
        while not done.wait(0.1):
            out.write(f"\r{label} {_FRAMES[frame % len(_FRAMES)]}")
            out.flush()
            frame += 1
        out.write("\r" + " " * (len(label) + 2) + "\r")
        out.flush()

    thread = threading.Thread(target=spin, name="progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
