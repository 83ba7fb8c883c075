"""SIGINT, SIGTERM and SIGHUP during apply: no write starts after the signal.

GitHub Actions cancels a job with SIGINT, then SIGTERM, then SIGKILL a few
seconds apart; a closed terminal or a dropped ssh session sends SIGHUP; a
person presses Ctrl-C once and waits, or twice and means it. So the first
signal while writes run only flips a `StopSwitch`, which every write asks at
the moment it is about to be sent (`reconciler.run.gate`): a write already
sent finishes and is audited, none is sent after. Before the writes start, or
while verifying after them, the signal raises `Interrupted`. A second signal
ends the process at once, after the audit log has named the writes still in
flight and been closed for good, so no line is left half written.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType, TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def exit_code_for(signum: int) -> int:
    """The shell's convention: 128 + the signal number (129 SIGHUP, 130 SIGINT, 143 SIGTERM)."""
    return 128 + signum


class Interrupted(BaseException):
    """A stop signal outside the writes; like KeyboardInterrupt, not an ordinary error."""

    def __init__(self, signum: int, message: str) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = exit_code_for(signum)


class StopSwitch:
    """Once set, no write is sent. The first reason wins; thread-safe.

    It also knows which writes are on the wire: `admit` lets a write go (or not)
    and notes it until its worker calls `landed`, under the same lock as `set`,
    so every write is either sent before the stop or never.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        # Reentrant: a second signal's handler (main thread) may ask `in_flight`
        # while the first one's `set` holds it.
        self._lock = threading.RLock()
        self.reason: str | None = None
        self.signum: int | None = None
        self._on_wire: dict[int, str] = {}  # thread id -> what that thread's write is
        self._admitted = 0
        self._admitted_at_stop = 0
        self.in_flight_at_stop: tuple[str, ...] = ()  # writes sent before the stop, unanswered

    def set(self, reason: str, *, signum: int | None = None) -> bool:
        """True when this call stopped the run (False: it was already stopped)."""
        with self._lock:
            if self._event.is_set():
                return False
            self.reason, self.signum = reason, signum
            self._admitted_at_stop = self._admitted
            self.in_flight_at_stop = tuple(sorted(set(self._on_wire.values())))
            self._event.set()
            return True

    def is_set(self) -> bool:
        return self._event.is_set()

    def admit(self, what: str) -> bool:
        """At the moment a write is about to be sent: False once stopped, else it is on
        the wire (named `what`) until this thread's `landed`."""
        with self._lock:
            if self._event.is_set():
                return False
            self._admitted += 1
            self._on_wire[threading.get_ident()] = what
            return True

    def landed(self) -> None:
        """This thread's write has its answer (or its worker gave up on it)."""
        with self._lock:
            self._on_wire.pop(threading.get_ident(), None)

    def in_flight(self) -> list[str]:
        """The writes sent and not yet answered, now."""
        with self._lock:
            return sorted(set(self._on_wire.values()))

    @property
    def sent_after_stop(self) -> int:
        """Writes let through after the stop: counted, not assumed (0 is the promise)."""
        with self._lock:
            return self._admitted - self._admitted_at_stop if self._event.is_set() else 0


def block_stop_signals() -> None:
    """For worker threads: the signal then always reaches the main thread, which waits
    interruptibly on the workers and runs the handler at once."""
    signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))


def say(text: str) -> None:
    """Straight to fd 2: a handler must not re-enter a buffered stream the main thread holds."""
    with suppress(OSError):
        os.write(2, text.encode("utf-8", "replace"))


class SignalGuard:
    """SIGINT/SIGTERM/SIGHUP handlers for the length of one apply (main thread only).

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
