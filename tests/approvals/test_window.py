"""`--since`: durations, dates and times, and one clear sentence for anything else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reconciler.approvals import DEFAULT_SINCE, parse_since
from reconciler.errors import ReconcileError

NOW = datetime(2026, 3, 2, 4, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("36h", NOW - timedelta(hours=36)),
        ("7d", NOW - timedelta(days=7)),
        ("90m", NOW - timedelta(minutes=90)),
        ("2w", NOW - timedelta(weeks=2)),
        (" 7D ", NOW - timedelta(days=7)),
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01T04:00:00Z", datetime(2026, 3, 1, 4, tzinfo=UTC)),
        ("2026-03-01T04:00", datetime(2026, 3, 1, 4, tzinfo=UTC)),
        ("2026-03-01T06:00:00+02:00", datetime(2026, 3, 1, 4, tzinfo=UTC)),
    ],
)
def test_accepted_forms(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


def test_the_default_is_a_nightly_run_plus_half_a_day() -> None:
    assert parse_since(DEFAULT_SINCE, NOW) == NOW - timedelta(hours=36)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "yesterday",
            "--since 'yesterday' is neither a duration nor a date; give a duration such as 36h",
        ),
        ("0h", "--since '0h' is an empty window"),
        ("2026-04-01", "--since '2026-04-01' is in the future (now is 2026-03-02T04:17:00Z)"),
        ("36", "--since '36' is neither a duration nor a date"),
        ("99999999w", "--since '99999999w' reaches back too far"),
    ],
)
def test_refused_forms_say_why_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ReconcileError) as caught:
        parse_since(text, NOW)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
