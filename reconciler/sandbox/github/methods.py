"""What each HTTP method costs and whether it changes anything, from GitHub's text.

GitHub, "Rate limits for the REST API", section "Calculating points for the
secondary rate limit"
(https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#calculating-points-for-the-secondary-rate-limit),
a table of two REST rows: "Most REST API GET, HEAD, and OPTIONS requests" 1
point, "Most REST API POST, PATCH, PUT, or DELETE requests" 5. The table below
is those rows; the
client's pacer reads the same page on its own (docs/emulator-fidelity.md,
"Secondary rate limit: points per method").
"""

from __future__ import annotations

# Written out method by method, as the documentation lists them.
POINTS: dict[str, int] = {
    "GET": 1,
    "HEAD": 1,
    "OPTIONS": 1,
    "POST": 5,
    "PATCH": 5,
    "PUT": 5,
    "DELETE": 5,
}


def points(method: str) -> int:
    """The secondary-limit points of one request; a method GitHub's page does not
    name is charged as the costlier kind, so the emulator never under-counts."""
    return POINTS.get(method.upper(), 5)


def changes_state(method: str) -> bool:
    """POST, PATCH, PUT and DELETE: the methods a read-only token may not send and
    that the request log counts as writes. GET, HEAD and OPTIONS only read."""
    return points(method) == 5
