"""SIGINT and SIGTERM during apply: no new write starts, writes in flight finish.

GitHub Actions cancels a job with SIGINT, then SIGTERM, then SIGKILL a few
seconds apart, and a person presses Ctrl-C once and waits, or twice and means
it. So the first signal while writes run only flips a `StopSwitch` (workers
check it before each write, and the ones in flight finish and are audited);
before the writes start, or while verifying after them, it raises
`Interrupted`. A second signal ends the process at once, after the audit log
has been closed for good, so no line is left half written.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType, TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def exit_code_for(signum: int) -> int:
    """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + signum


class Interrupted(BaseException):
    """A stop signal outside the writes; like KeyboardInterrupt, not an ordinary error."""

    def __init__(self, signum: int, message: str) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = exit_code_for(signum)


class StopSwitch:
    """Once set, no new write starts. The first reason wins; thread-safe."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self.reason: str | None = None
        self.signum: int | None = None

    def set(self, reason: str, *, signum: int | None = None) -> bool:
        """True when this call stopped the run (False: it was already stopped)."""
        with self._lock:
            if self._event.is_set():
                return False
            self.reason, self.signum = reason, signum
            self._event.set()
            return True

    def is_set(self) -> bool:
        return self._event.is_set()


def block_stop_signals() -> None:
    """For worker threads: the signal then always reaches the main thread, which waits
    interruptibly on the workers and runs the handler at once."""
    signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))


def say(text: str) -> None:
    """Straight to fd 2: a handler must not re-enter a buffered stream the main thread holds."""
    with suppress(OSError):
        os.write(2, text.encode("utf-8", "replace"))


class SignalGuard:
    """SIGINT/SIGTERM handlers for the length of one apply (main thread only).

    `message` is the text of `Interrupted` outside the writes; `during_writes`
    switches to stopping instead of raising.
    """

    def __init__(self, message: str = "interrupted by {signal}") -> None:
        self.message = message
        self.signum: int | None = None
        self._on_stop: Callable[[int], None] | None = None
        self._on_abort: Callable[[int], None] | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()

    @contextmanager
    def during_writes(
        self, on_stop: Callable[[int], None], on_abort: Callable[[int], None]
    ) -> Iterator[None]:
        self._on_stop, self._on_abort = on_stop, on_abort
        try:
            yield
        finally:
            self._on_stop = self._on_abort = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal_name(signum)
        if self.signum is not None:
            say(f"error: second signal ({name}): exiting now, without waiting for writes\n")
            if self._on_abort is not None:
                with suppress(Exception):  # exiting regardless is the point
                    self._on_abort(signum)
            os._exit(exit_code_for(signum))
        self.signum = signum
        if self._on_stop is not None:
            self._on_stop(signum)
            return
        raise Interrupted(signum, self.message.format(signal=name))
