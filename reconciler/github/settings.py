"""How a run's connections pace and retry: production's settings, or the tests'.

Plain values, passed explicitly from the command line to `connect()`; the
only way into a `reconcile` process from outside is the RECONCILE_TEST_*
variables, which are refused for a GitHub API not on this machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.github.errors import GitHubError
from reconciler.github.pacer import PacerConfig
from reconciler.logs import get_logger

_log = get_logger("reconcile.github")


@dataclass(frozen=True)
class RetryPolicy:
    tries: int = 5  # attempts in all, the first included
    backoff: float = 1.0  # first backoff; doubles per attempt
    jitter: float = 0.5  # up to this fraction added at random
    max_wait: float = 60.0  # no single wait is longer; a longer required wait fails
    # GitHub: with no Retry-After on a secondary limit, wait at least a minute.
    secondary_wait: float = 60.0
    # A GitHub failing every write: the run gives up after this many write attempts
    # failed in a row (5xx, no answer), across writes, or before a retry whose wait
    # would take the waits planned between them past `outage_wait` s (github/outage.py).
    outage_attempts: int = 10
    outage_wait: float = 30.0
    # Tests only: sleep at most this long per wait. What GitHub asked for is
    # still judged as above (a wait over `max_wait` still fails the request).
    sleep_cap: float | None = None

    def sleep_for(self, wait: float) -> float:
        return wait if self.sleep_cap is None else min(wait, self.sleep_cap)


@dataclass(frozen=True)
class TransportSettings:
    """How the connections of a run pace and retry. The defaults are production's.

    `for_tests()` is what the test suite runs with: no secondary-limit pacing and
    retry sleeps of a few milliseconds. Such settings are `loopback_only`: a
    connection refuses them for a GitHub API that is not on this machine.
    """

    pacer: PacerConfig = field(default_factory=PacerConfig)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    loopback_only: bool = False

    @classmethod
    def for_tests(cls, *, paced: bool = False, retry_sleep_ms: int = 10) -> TransportSettings:
        return cls(
            pacer=PacerConfig() if paced else PacerConfig.unpaced(),
            retry=RetryPolicy(sleep_cap=retry_sleep_ms / 1000),
            loopback_only=True,
        )


# The only way to get test settings into a `reconcile` process (tests that run
# the CLI as a subprocess cannot hand it Python objects).
TEST_PACING_VARIABLE = "RECONCILE_TEST_PACING"
TEST_RETRY_SLEEP_VARIABLE = "RECONCILE_TEST_RETRY_SLEEP_MS"


def settings_from_env(environ: Mapping[str, str]) -> TransportSettings:
    """Production settings, or test settings when a RECONCILE_TEST_* variable is set.

    Test settings say so in a warning, and connections honour them only for a
    GitHub API on this machine (see `TransportSettings`).
    """
    pacing = environ.get(TEST_PACING_VARIABLE, "")
    sleep_ms = environ.get(TEST_RETRY_SLEEP_VARIABLE, "")
    if not pacing and not sleep_ms:
        return TransportSettings()
    if pacing not in ("", "on", "off"):
        raise GitHubError("config", f"{TEST_PACING_VARIABLE} is {pacing!r}; use off or on")
    try:
        cap = int(sleep_ms) if sleep_ms else None
    except ValueError:
        cap = -1
    if cap is not None and cap < 0:
        raise GitHubError(
            "config", f"{TEST_RETRY_SLEEP_VARIABLE} is {sleep_ms!r}; use a number of milliseconds"
        )
    settings = TransportSettings(
        pacer=PacerConfig.unpaced() if pacing == "off" else PacerConfig(),
        retry=RetryPolicy(sleep_cap=None if cap is None else cap / 1000),
        loopback_only=True,
    )
    _log.warning(
        "test transport settings from the environment; refused for a GitHub API "
        "not on this machine",
        pacing=pacing or "on",
        retry_sleep_ms=cap,
    )
    return settings
