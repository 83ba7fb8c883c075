"""The primary rate-limit budget, checked before a run.

Every GitHub answer carries the budget in its x-ratelimit headers; only when
no answer has told it yet is `GET /rate_limit` (free) asked, so a run makes
at most one such request and `reconcile apply`, whose first request is the
audit log's `GET /user`, none.

A GitHub Enterprise Server with rate limiting turned off answers GET
/rate_limit with 404 "Rate limiting is not enabled." (actions/stale#1227):
that is an unlimited budget, not an error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from reconciler.github.connection import GitHubConnection
from reconciler.github.errors import GitHubError, github_message
from reconciler.github.rest import expect, interpreting, send
from reconciler.logs import get_logger

_log = get_logger("reconcile.github")


@dataclass(frozen=True)
class Budget:
    limit: int
    remaining: int
    reset_at: datetime


def primary_budget(conn: GitHubConnection) -> Budget | None:
    """The core budget now; None where the server does not limit requests."""
    known = conn.pacer.primary_known()
    action = "reading the rate limit"
    if known is not None:
        remaining, limit, reset = known
        with interpreting(f"{action} from its headers"):
            return Budget(
                limit=limit if limit is not None else remaining,
                remaining=remaining,
                reset_at=datetime.fromtimestamp(int(reset), UTC),
            )
    answer = send(conn, "GET", "/rate_limit", action=action, permission="none")
    if answer.status == 404:
        _log.debug("the server has no rate limit", said=github_message(answer.data))
        return None
    data = expect(answer, 200, action=action, permission="none").data
    with interpreting(action):
        core = data.get("resources", {}).get("core") or data.get("rate", {})
        return Budget(
            limit=int(core.get("limit", 0)),
            remaining=int(core.get("remaining", 0)),
            reset_at=datetime.fromtimestamp(int(core.get("reset", 0)), UTC),
        )


def ensure_budget(conn: GitHubConnection, needed: int, *, wait: bool) -> None:
    """Stop before starting a run the budget cannot finish, or wait for the reset."""
    budget = primary_budget(conn)
    if budget is None or budget.remaining >= needed:
        return
    reset = budget.reset_at.strftime("%H:%M:%S UTC")
    if not wait:
        raise GitHubError(
            "rate_limit",
            f"this run needs about {needed} GitHub requests but only {budget.remaining} of "
            f"{budget.limit} remain until {reset}; run again after that, or add "
            "--wait-for-rate-limit",
        )
    delay = max(0.0, (budget.reset_at - datetime.now(UTC)).total_seconds()) + 1
    _log.warning("waiting for the rate limit to reset", needed=needed, seconds=round(delay))
    time.sleep(delay)
