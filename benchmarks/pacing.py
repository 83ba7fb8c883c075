"""How much of GitHub's secondary limit a converged plan gets (issue 7's 85%).

The same run as tests/perf/test_secondary_limit.py, scaled down in time: the
emulator enforces 270 points per 3 s window, the pacer gets 260 of them. The
test checks what holds on any machine (no 403, no retry, no window over its
points); the share of the allowed rate depends on how fast this machine serves
the emulator, so it is measured here, on a quiet machine.

Run: `.venv/bin/python benchmarks/pacing.py` (about 15 s). Exit 1 on a 403, a
retry, or a share under `--target`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from plan_scale import SANDBOX_PRIMARY_LIMIT, sandbox_environment
from request_log import log_of, logged
from scale_config import ScaleShape, write_scale_config

from reconciler import logs
from reconciler.config import load_desired
from reconciler.github import PacerConfig, connection_from_env, ensure_budget
from reconciler.run.apply_and_verify import apply_and_verify
from reconciler.run.planning import estimate_requests, make_plan
from reconciler.sandbox.runner import Sandbox

SERVER_POINTS, WINDOW = 270, 3.0
# As tests/perf/test_secondary_limit.py: the 10-point margin stands in for the time margin.
PACER = PacerConfig(
    points_per_window=SERVER_POINTS - 10,
    window_seconds=WINDOW,
    max_concurrent=16,
    window_margin_seconds=0.0,
)
# Seeding (the first apply) is not measured: no window at all, writes included.
SEEDING = PacerConfig(points_per_window=10**9, writes_per_minute=None, writes_per_hour=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repositories", type=int, default=100)
    parser.add_argument("--target", type=float, default=0.85)
    args = parser.parse_args(argv)
    logs.configure(verbosity=-1)
    with tempfile.TemporaryDirectory(prefix="reconcile-pacing-") as tmp:
        shape = ScaleShape(args.repositories, aws_roles=False, dispatch_secret=False)
        desired = load_desired(write_scale_config(Path(tmp), shape))
        with Sandbox(desired) as sandbox, sandbox_environment(sandbox):
            sandbox.github.set_primary_limit(SANDBOX_PRIMARY_LIMIT)
            seeding = connection_from_env(dict(os.environ), desired, pacer=logged(SEEDING))
            try:
                apply_and_verify(make_plan(desired, seeding, concurrency=8), seeding, concurrency=8)
            finally:
                seeding.close()
            # The contract validator's server CPU would be measured as our pacing.
            sandbox.github.on_request = None
            sandbox.github.enable_secondary_limit(
                points_per_window=SERVER_POINTS, window_seconds=WINDOW
            )
            sandbox.github.clear_requests()

            started = time.monotonic()
            conn = connection_from_env(dict(os.environ), desired, pacer=logged(PACER))
            ensure_budget(conn, estimate_requests(desired), wait=False)
            try:
                result = make_plan(desired, conn, concurrency=8)
            finally:
                conn.close()
            elapsed = time.monotonic() - started
            served = sandbox.github.requests

    sent = sum(PACER.cost(event.method) for event in log_of(conn).events)
    share = sent / (elapsed * SERVER_POINTS / WINDOW)
    refused = sum(1 for r in served if r.status == 403)
    print(
        f"{args.repositories} repositories: {len(result.plan.changes)} changes, {sent} points "
        f"in {elapsed:.1f} s, {share:.0%} of the allowed rate (target {args.target:.0%}); "
        f"{refused} answered 403, {log_of(conn).retries} retries"
    )
    return 0 if refused == 0 and log_of(conn).retries == 0 and share >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
