"""Helpers for the perf tests: a converged GitHub without HTTP, and a CLI-like connection."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from reconciler.github import (
    GitHubConnection,
    Pacer,
    connection_from_env,
    ensure_budget,
    resolve_cache_dir,
)
from reconciler.github.pacer import PacerConfig, RequestEvent
from reconciler.model.desired import DesiredState, IamRoleRef, SsmParameterRef
from reconciler.run.planning import estimate_requests
from reconciler.sandbox.github import GitHubEmulator


def seed_converged(emulator: GitHubEmulator, desired: DesiredState) -> None:
    """Write what an apply would, straight into the emulator's state (no requests).

    Only plain string variables: a reference to AWS has no value to write here.
    """
    owner = desired.owner
    for repo in desired.repositories:
        for env in repo.environments:
            reviewers: list[tuple[str, int]] = []
            for reviewer in env.reviewers:
                if reviewer.kind == "team":
                    reviewers.append(("Team", emulator.add_team(owner, reviewer.name)))
                else:
                    reviewers.append(("User", emulator.add_user(reviewer.name)))
            custom = env.branch_patterns is not None
            emulator.put_environment(
                owner,
                repo.name,
                env.name,
                wait_timer=env.wait_timer,
                prevent_self_review=env.prevent_self_review,
                reviewers=reviewers,
                deployment_branch_policy=(False, True) if custom else None,
                can_admins_bypass=env.admins_bypass,
            )
            for pattern in env.branch_patterns or ():
                emulator.add_branch_policy(
                    owner, repo.name, env.name, pattern.pattern, pattern.type
                )
            for name, value in env.variables.items():
                assert not isinstance(value, IamRoleRef | SsmParameterRef), name
                emulator.set_variable(owner, repo.name, env.name, name, value)
        for name, value in repo.variables.items():
            assert not isinstance(value, IamRoleRef | SsmParameterRef), name
            emulator.set_variable(owner, repo.name, None, name, value)


def connect(
    desired: DesiredState, *, pacer: Pacer | None = None, cache: bool = False
) -> GitHubConnection:
    """What `reconciler.cli.session.connect` does, with a chosen pacer and cache switch."""
    cache_dir: Path | None = resolve_cache_dir(None, disabled=not cache, environ=os.environ)
    conn = connection_from_env(os.environ, desired, cache_dir=cache_dir, pacer=pacer)
    ensure_budget(conn, estimate_requests(desired), wait=False)
    return conn


def endpoint(method: str, path: str) -> str:
    """`GET /repos/{owner}/{repo}/environments/{env}/variables`, as the benchmark counts."""
    parts = path.split("/")
    if len(parts) > 3 and parts[1] == "repos":
        parts[2], parts[3] = "{owner}", "{repo}"
        if len(parts) > 5 and parts[4] == "environments":
            parts[5] = "{env}"
    return f"{method} {'/'.join(parts)}"


def by_endpoint(events: Iterable[RequestEvent]) -> Counter[str]:
    return Counter(endpoint(e.method, e.path) for e in events if not e.retry)


def points(events: Iterable[RequestEvent], config: PacerConfig) -> int:
    """Secondary-limit points of the exchanges sent, retry attempts included."""
    return sum(config.cost(e.method) for e in events)
