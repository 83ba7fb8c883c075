"""The emulator's observability and control: its request log, faults, latency and limits.

What a test turns on or reads back; GitHub's own state is seeded through
`GitHubEmulator`, which has these too.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.sandbox.github.app import EmulatorApp
from reconciler.sandbox.github.faults import Hold
from reconciler.sandbox.github.ratelimit import SecondaryLimit
from reconciler.sandbox.github.records import Arrival, FaultRule, LoggedRequest, RequestRecord
from reconciler.sandbox.github.state import World


class EmulatorControls:
    _app: EmulatorApp
    _world: World

    def snapshot(self) -> World:
        """A copy of everything this GitHub holds, for `restore` here or in another emulator."""
        return self._world.copy()

    def restore(self, snapshot: World, *, secrets_written_now: bool = False) -> None:
        """Hold what `snapshot` held (copied again: one snapshot restores many times).

        The request log, faults and limits are this emulator's own and stay.
        `secrets_written_now`: every secret's updated_at becomes now, as if the
        writes that made the snapshot had just happened (a plan compares it with
        when a secret's source last changed).
        """
        self._world.become(snapshot)
        if secrets_written_now:
            self._world.restamp_secrets()

    @property
    def requests(self) -> list[LoggedRequest]:
        return list(self._app.requests)

    def clear_requests(self) -> None:
        self._app.requests.clear()
        self._app.arrivals.clear()

    @property
    def arrivals(self) -> list[Arrival]:
        """Every request in the order it reached the emulator, stamped on arrival: unlike
        `requests` (logged once answered), this shows what was sent while others waited."""
        return list(self._app.arrivals)

    @property
    def on_request(self) -> Callable[[RequestRecord], None] | None:
        return self._app.on_request

    @on_request.setter
    def on_request(self, hook: Callable[[RequestRecord], None] | None) -> None:
        self._app.on_request = hook

    def add_fault(self, rule: FaultRule) -> None:
        self._app.faults.add(rule)

    def clear_faults(self) -> None:
        """Retire every fault rule: GitHub works again."""
        self._app.faults.clear()

    def hold(self, method: str, path: str = "", *, nth: int = 1, timeout: float = 60.0) -> Hold:
        """Hold the answer to the `nth` request matching `method` ("WRITE": any write) and
        `path` (a regular expression): it is carried out, then waits for `Hold.release()`."""
        hold = Hold(method, path, nth, timeout)
        self._app.faults.holds.add(hold)
        return hold

    def release_holds(self) -> None:
        self._app.faults.holds.release_all()

    def set_latency(self, seconds: float) -> None:
        self._app.latency = seconds

    def set_variable_read_lag(self, reads: int) -> None:
        """Reads lag writes, as on github.com (docs/emulator-fidelity.md): each variable
        created through the API from now on is missing from the next `reads` reads
        of its scope (a list, or a GET of it: 404), then shows. 0 turns it off."""
        with self._app.world.lock:
            self._app.world.variable_read_lag = reads

    def set_primary_limit(
        self, limit: int, remaining: int | None = None, reset_in: int = 3600
    ) -> None:
        self._app.primary.configure(limit, remaining, reset_in)

    def disable_rate_limiting(self) -> None:
        """A GitHub Enterprise Server with rate limiting off: no x-ratelimit-* headers,
        and GET /rate_limit answers 404 "Rate limiting is not enabled."."""
        self._app.primary.configure(5000, None, 3600, enabled=False)

    def enable_secondary_limit(
        self, points_per_window: int = 900, window_seconds: float = 60.0, max_concurrent: int = 100
    ) -> None:
        self._app.secondary = SecondaryLimit(points_per_window, window_seconds, max_concurrent)
