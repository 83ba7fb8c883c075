"""How a run's connections pace and retry: plain values, passed explicitly from
the command line to `connect()`.

What a user may change is a documented setting (docs/configuration.md, "Pacing
and retries"): `--points-per-minute` and `--retry-backoff`, or the
RECONCILE_POINTS_PER_MINUTE and RECONCILE_RETRY_BACKOFF variables
(`reconciler.cli.options` reads them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reconciler.github.pacer import PacerConfig


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


@dataclass(frozen=True)
class TransportSettings:
    """How the connections of a run pace and retry. The defaults are production's."""

    pacer: PacerConfig = field(default_factory=PacerConfig)
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def transport_settings(
    points: int | None = None, backoff: float | None = None
) -> TransportSettings:
    """Production's settings with the options given: `points` a minute (0: no
    secondary-limit pacing; None: GitHub's 900), `backoff` the first retry back-off
    in seconds (None: 1 s)."""
    settings = TransportSettings()
    if points == 0:
        settings = replace(settings, pacer=PacerConfig.unpaced())
    elif points is not None:
        settings = replace(settings, pacer=replace(settings.pacer, points_per_window=points))
    if backoff is not None:
        settings = replace(settings, retry=replace(settings.retry, backoff=backoff))
    return settings
