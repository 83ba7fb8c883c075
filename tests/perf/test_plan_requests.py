"""What a converged plan costs in requests (issue 7), and what the cache saves."""

from __future__ import annotations

from pathlib import Path

import pytest
from integration.helpers import SandboxFactory
from request_log import log_of, logged
from scale_config import ScaleShape, converged_plan_requests, write_scale_config

from perf.support import by_endpoint, connect, seed_converged
from reconciler.config import load_desired
from reconciler.github import PacerConfig
from reconciler.run.apply_and_verify import apply_and_verify
from reconciler.run.planning import make_plan

# Scale: repository counts a real organisation has.
pytestmark = pytest.mark.slow

OWNER = "Alpha-Swarm-ai"
SHAPE = ScaleShape(10, aws_roles=False, dispatch_secret=False)
# The apply only prepares the test: GitHub's 900 points a minute would make
# its 111 writes (5 points each) take 45 s.
UNPACED = PacerConfig.unpaced()


def test_a_converged_plan_of_10_repositories_makes_exactly_the_budgeted_requests(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    config = write_scale_config(tmp_path, SHAPE)
    desired = load_desired(config)
    sandbox = make_sandbox(config)
    with connect(desired, pacer=logged(UNPACED)) as conn:
        report = apply_and_verify(make_plan(desired, conn), conn)
    assert report.ok
    sandbox.github.clear_requests()

    with connect(desired, pacer=logged(UNPACED)) as conn:
        result = make_plan(desired, conn, concurrency=8)
    events = log_of(conn).events

    assert result.plan.changes == ()
    n, e = SHAPE.repositories, SHAPE.environments
    repo = "/repos/{owner}/{repo}"
    assert by_endpoint(events) == {
        "GET /rate_limit": 1,
        f"GET {repo}/environments": n,
        f"GET {repo}/actions/variables": n,
        f"GET {repo}/actions/secrets": n,
        f"GET {repo}/environments/{{env}}/variables": n * e,
        f"GET {repo}/environments/{{env}}/secrets": n * e,
        # prod alone has custom branch policies
        f"GET {repo}/environments/{{env}}/deployment-branch-policies": n,
        f"GET /orgs/{OWNER}/teams/platform-approvers": 1,
        f"GET /orgs/{OWNER}/teams/platform-approvers/members": 1,
        "GET /users/alphaswarm-release-manager": 1,
    }
    assert len(events) == n * (3 + 2 * e + 1) + 3 + 1 == converged_plan_requests(SHAPE) + 1
    # The server saw the same exchanges: nothing retried, nothing written.
    assert len(sandbox.github.requests) == len(events)
    assert {r.method for r in sandbox.github.requests} == {"GET"}


def test_a_second_converged_plan_with_the_cache_is_answered_304(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    config = write_scale_config(tmp_path / "config", SHAPE)
    desired = load_desired(config)
    sandbox = make_sandbox(config)
    seed_converged(sandbox.github, desired)

    with connect(desired, cache=True, pacer=logged(UNPACED)) as conn:
        first = make_plan(desired, conn)
    assert not any(r.was_304 for r in sandbox.github.requests)
    sandbox.github.clear_requests()
    with connect(desired, cache=True, pacer=logged(UNPACED)) as conn:
        second = make_plan(desired, conn)
    events = log_of(conn).events
    gets = [r for r in sandbox.github.requests if r.method == "GET"]

    assert first.plan.changes == second.plan.changes == ()
    assert second.observed == first.observed
    assert sum(r.was_304 for r in gets) / len(gets) >= 0.95
    # Every GET of the plan itself came back 304; only the budget check did not
    # (its body changes with every metered request).
    assert [f"{e.method} {e.path}" for e in events if e.status != 304] == ["GET /rate_limit"]
