"""What every command takes from its arguments: colour, the config file, the
transport settings and the GitHub connection."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.errors import ReconcileError

if TYPE_CHECKING:
    from reconciler.github import GitHubConnection, TransportSettings
    from reconciler.model.desired import DesiredState


def color(args: argparse.Namespace) -> bool:
    return not args.no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReconcileError(f"cannot write {path}: {exc.strerror}") from None


_CONFIG_HINT = "give the path of your environments.yaml with -c PATH"


def config_file(args: argparse.Namespace) -> Path:
    """The -c file, refused with a way out when it does not exist."""
    from reconciler.config import require_file

    path: Path = args.config
    require_file(path, _CONFIG_HINT)
    return path


def transport_settings(args: argparse.Namespace) -> TransportSettings:
    """What `main` was given, else from the environment (production's unless a
    RECONCILE_TEST_* variable is set; see docs/testing.md), with the points a
    minute of `--points-per-minute` (a GitHub Enterprise Server's own limit)."""
    from reconciler.github import settings_from_env

    given: TransportSettings | None = getattr(args, "transport", None)
    settings = given if given is not None else settings_from_env(os.environ)
    points: int | None = getattr(args, "points_per_minute", None)
    if points is None:
        return settings
    return replace(settings, pacer=replace(settings.pacer, points_per_window=points))


def connect(
    args: argparse.Namespace,
    desired: DesiredState,
    *,
    actor_first: bool = False,
    requests: int | None = None,
) -> GitHubConnection:
    """The GitHub connection, with the cache and budget options (docs/getting-started.md,
    "GitHub credentials").

    `actor_first`: read who we are (apply's audit log needs it) before the
    budget check, whose answer's headers then tell the budget without a
    `GET /rate_limit`. `requests`: what the run needs of the budget (default:
    a converged plan's reads).
    """
    from reconciler.github import (
        authenticated_actor,
        connection_from_env,
        ensure_budget,
        resolve_cache_dir,
    )
    from reconciler.run.planning import estimate_requests

    cache_dir = resolve_cache_dir(args.cache_dir, disabled=args.no_cache, environ=os.environ)
    conn = connection_from_env(
        os.environ, desired, cache_dir=cache_dir, transport=transport_settings(args)
    )
    if actor_first:
        authenticated_actor(conn)
    needed = requests if requests is not None else estimate_requests(desired)
    ensure_budget(conn, needed, wait=args.wait_for_rate_limit)
    return conn
