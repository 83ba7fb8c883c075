"""Where apply's writes pass on their way to GitHub, at the moment each is sent.

The pacer calls the gate for every write request (a retry of one included):
`enter` before the request takes its write slot, `admit` inside the slot,
right before the request goes out. Two promises hang on it:

- **No write is sent after a stop.** A worker may have decided to write long
  before (it queued for the slot, or read the secrets public key first); the
  stop switch is asked again at the last moment, and a refused write raises
  `WriteRefused`, which the applier reports as not started.
- **Every write is recorded, or no further write.** From its first write to
  its audit record a change holds the turn, so the next change's write is sent
  only after the previous one is on disk; when a record cannot be written the
  switch is set before the turn passes on, and nothing else is sent.

Reads pass freely: only writes take the turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from reconciler.github.errors import GitHubError
from reconciler.run.interrupts import StopSwitch


class WriteRefused(GitHubError):
    """A write the gate did not let out: the run was stopped before it was sent."""

    def __init__(self, reason: str) -> None:
        super().__init__("config", f"not sent: the run was stopped ({reason})")


@dataclass
class Ticket:
    """One change's passage through the gate (thread-local to its worker)."""

    change_id: str
    turn: bool = False  # holds the turn (from its first write to its record)
    sent: int = 0  # write requests of this change that went out
    refused: bool = False  # one was held back by the stop


class WriteGate:
    def __init__(self, stop: StopSwitch) -> None:
        self._stop = stop
        self._turn = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def change(self, change_id: str) -> Iterator[Ticket]:
        """A worker's change, from before its first request to after its audit record."""
        ticket = Ticket(change_id)
        self._local.ticket = ticket
        try:
            yield ticket
        finally:
            self._local.ticket = None
            self._stop.landed()
            if ticket.turn:
                self._turn.release()

    def enter(self) -> None:
        """Before a write takes its slot: wait until no other change is between its
        first write and its record. Outside the slot, so a change holding the turn
        can always take the slot for its next write."""
        ticket = self._ticket()
        if ticket is not None and not ticket.turn:
            self._turn.acquire()
            ticket.turn = True

    def admit(self) -> None:
        """The last moment before a write is sent: refuse it once the run is stopped."""
        ticket = self._ticket()
        if self._stop.admit(ticket.change_id if ticket else "a write outside any change"):
            if ticket is not None:
                ticket.sent += 1
            return
        if ticket is not None:
            ticket.refused = True
        raise WriteRefused(self._stop.reason or "stopped")

    def _ticket(self) -> Ticket | None:
        ticket: Ticket | None = getattr(self._local, "ticket", None)
        return ticket
