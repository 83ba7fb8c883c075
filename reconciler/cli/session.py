"""What every command takes from its arguments: colour, the config file, the
transport settings and the GitHub connection."""

from __future__ import annotations

import argparse
import os
import sys
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
    """`--points-per-minute` and `--retry-backoff`, each unset one from its
    documented variable (docs/configuration.md, "Pacing and retries")."""
    from reconciler.cli.options import (
        BACKOFF_VARIABLE,
        POINTS_VARIABLE,
        option_or_variable,
        parse_backoff,
        parse_points,
    )
    from reconciler.github import transport_settings as settings

    points = getattr(args, "points_per_minute", None)
    backoff = getattr(args, "retry_backoff", None)
    return settings(
        option_or_variable(points, POINTS_VARIABLE, os.environ, parse_points),
        option_or_variable(backoff, BACKOFF_VARIABLE, os.environ, parse_backoff),
    )


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
