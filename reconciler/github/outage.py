"""Giving up on a GitHub that fails every write, across the writes of a run.

Each request retries on its own (`transport.ReconcileRetry`), but when GitHub
fails every write, a run that retried each write afresh would spend the full
tries on one write after another: 5 writes of 5 tries each took 25 attempts
and 98 s before anything stopped. So the writes of one connection share one
tally: every write attempt that fails for GitHub's reasons (a 5xx, a dropped
connection, no answer) counts, across writes, until a write is answered
(any status below 500: GitHub is there). When the tally reaches
`RetryPolicy.outage_attempts`, or a retry's wait would take the waits it
planned past `RetryPolicy.outage_wait`, the run gives up on GitHub: that
request fails with `GitHubDown`, and no later write of the connection is
sent.

Only writes count. They go one at a time, so their waits add up to what the
run spends, and GitHub can fail writes while it still serves reads (as it
does in read-only maintenance); reads keep their own retries.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from reconciler.github.errors import GitHubError
from reconciler.github.pacer import is_write
from reconciler.github.settings import RetryPolicy
from reconciler.logs import get_logger

_log = get_logger("reconcile.github")


class GitHubDown(GitHubError):
    """The run gave up on GitHub; `attempts` and `waited` are what it spent before."""

    outage = True  # what the applier looks for: stop starting writes at once

    def __init__(self, message: str, *, attempts: int, waited: float, status: int | None) -> None:
        super().__init__("server", message, status=status)
        self.attempts = attempts
        self.waited = waited


class OutageTally:
    """Write attempts failed in a row and the retry waits planned between them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.attempts = 0
        self.waited = 0.0
        self.down: GitHubDown | None = None  # set once the run gave up

    def answered(self, method: str, status: int) -> None:
        """A write got an answer; below 500 GitHub is there, and the tally starts over."""
        if is_write(method) and status < 500:
            with self._lock:
                self.attempts, self.waited = 0, 0.0

    def failed(self, method: str, url: str, after: str, policy: RetryPolicy) -> bool:
        """Count a failed attempt; raises `GitHubDown` when it reaches the limit.
        False for a read (not counted)."""
        if not is_write(method):
            return False
        with self._lock:
            self.attempts += 1
            over = self.attempts >= policy.outage_attempts
        if over:
            self._give_up(method, url, after)
        return True

    def plan(self, wait: float, method: str, url: str, after: str, policy: RetryPolicy) -> None:
        """Add a retry's wait; raises `GitHubDown` instead when it would pass the bound."""
        with self._lock:
            over = self.waited + wait > policy.outage_wait
            if not over:
                self.waited += wait
        if over:
            self._give_up(method, url, after)

    def refuse(self, method: str) -> None:
        """Before a write is sent: after giving up, it is not."""
        down = self.down
        if down is not None and is_write(method):
            raise GitHubDown(
                f"not sent: {down}", attempts=down.attempts, waited=down.waited, status=None
            )

    def _give_up(self, method: str, url: str, after: str) -> None:
        with self._lock:
            attempts, waited = self.attempts, self.waited
        status = int(after) if after.isdigit() else None
        down = GitHubDown(
            f"GitHub failed {attempts} write attempts in a row (5xx or no answer) with "
            f"{waited:.1f} s of retry waits between them; gave up on GitHub for this run "
            f"at {method.upper()} {urlsplit(url).path} ({after})",
            attempts=attempts,
            waited=waited,
            status=status,
        )
        self.down = down
        _log.error("giving up on GitHub", attempts=attempts, waited_seconds=round(waited, 1))
        raise down
