"""`--since`: a duration back from now (`36h`, `7d`) or an ISO 8601 date or time.

The default suits a nightly job: 36 hours is the 24 between two runs plus
12 of overlap, so a run that starts late, or fails and is re-run the next
night, still leaves no gap (docs/approvals.md, "How far back").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from reconciler.errors import ReconcileError

DEFAULT_SINCE = "36h"

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_EXAMPLES = (
    "a duration such as 36h, 90m, 7d or 2w, or an ISO 8601 date or time such as "
    "2026-01-31 or 2026-01-31T04:00:00Z"
)


def parse_since(text: str, now: datetime) -> datetime:
    """The start of the window, in UTC; one clear sentence for anything else."""
    match = _DURATION.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        if amount == 0:
            raise ReconcileError(f"--since {text!r} is an empty window; give {_EXAMPLES}")
        try:
            return now - timedelta(**{_UNITS[unit]: amount})
        except OverflowError:
            raise ReconcileError(f"--since {text!r} reaches back too far") from None
    moment = _moment(text.strip())
    if moment is None:
        raise ReconcileError(f"--since {text!r} is neither a duration nor a date; give {_EXAMPLES}")
    if moment > now:
        raise ReconcileError(f"--since {text!r} is in the future (now is {now:%Y-%m-%dT%H:%M:%SZ})")
    return moment


def _moment(text: str) -> datetime | None:
    """A date (midnight UTC) or a date and time (UTC unless it names a zone)."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
