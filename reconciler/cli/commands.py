"""One function per command: glue between the parsed arguments and the stages.

Each returns the process exit code; the domain work lives in the modules it
calls, so these stay short.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.cli.exits import ExitCode
from reconciler.errors import ReconcileError
from reconciler.plan import Plan

if TYPE_CHECKING:
    from reconciler.desired import DesiredState
    from reconciler.github import GitHubConnection, TransportSettings
    from reconciler.scope import Scope

EXIT_OK, EXIT_ERROR, EXIT_DRIFT = ExitCode.OK, ExitCode.ERROR, ExitCode.DRIFT


def _color(args: argparse.Namespace) -> bool:
    return not args.no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _write_text(path: Path, text: str) -> None:
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
    RECONCILE_TEST_* variable is set; see docs/testing.md)."""
    from reconciler.github import settings_from_env

    given: TransportSettings | None = getattr(args, "transport", None)
    return given if given is not None else settings_from_env(os.environ)


def connect(args: argparse.Namespace, desired: DesiredState) -> GitHubConnection:
    """The GitHub connection, with the cache and budget options.

    See docs/getting-started.md, "GitHub credentials".
    """
    from reconciler.github import connection_from_env, ensure_budget, resolve_cache_dir
    from reconciler.planner import estimate_requests

    cache_dir = resolve_cache_dir(args.cache_dir, disabled=args.no_cache, environ=os.environ)
    conn = connection_from_env(
        os.environ, desired, cache_dir=cache_dir, transport=transport_settings(args)
    )
    ensure_budget(conn, estimate_requests(desired), wait=args.wait_for_rate_limit)
    return conn


def cmd_validate(args: argparse.Namespace) -> int:
    from reconciler.config import load_desired

    desired = load_desired(config_file(args))
    envs = sum(len(r.environments) for r in desired.repositories)
    print(
        f"{args.config}: valid — {len(desired.repositories)} repositories, "
        f"{envs} environments, owner {desired.owner}"
    )
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from reconciler.config import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from reconciler.config import load_desired
    from reconciler.planner import make_plan
    from reconciler.progress import progress
    from reconciler.render import render
    from reconciler.scope import Scope

    desired = load_desired(config_file(args))
    conn = connect(args, desired)
    with progress("Reading GitHub and AWS"):
        result = make_plan(
            desired, conn, scope=Scope.of(args.repo, args.env), concurrency=args.concurrency
        )
    sys.stdout.write(render(result.plan, args.format, color=_color(args)))
    if args.out:
        saved = result.plan.to_json()
        saved[CONFIG_DIGEST] = config_digest(desired, Scope.of(args.repo, args.env))
        _write_text(args.out, json.dumps(saved, indent=2) + "\n")
    if args.detailed_exitcode and result.plan.has_drift:
        return EXIT_DRIFT
    return EXIT_OK


def cmd_apply(args: argparse.Namespace) -> int:
    from reconciler.cli.apply import run_apply

    if not args.yes and not sys.stdin.isatty():
        raise ReconcileError(
            "refusing to apply without confirmation: there is no terminal to ask on; "
            "review the plan and re-run with --yes"
        )
    config_file(args)
    return run_apply(args, color=_color(args))


def cmd_diff(args: argparse.Namespace) -> int:
    from reconciler.config import load_desired
    from reconciler.render import render
    from reconciler.review import desired_diff

    # A pull request that adds the file has no old one: pass /dev/null (or a missing path).
    new_file = args.old == Path(os.devnull) or not args.old.exists()
    old = None if new_file else load_desired(args.old)
    plan = desired_diff(old, load_desired(args.new))
    title = f"reconcile diff: what {args.new.name} changes"
    sys.stdout.write(render(plan, args.format, color=_color(args), title=title))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from reconciler.export import run_export

    return run_export(args, transport=transport_settings(args))


def cmd_sandbox(args: argparse.Namespace) -> int:
    from reconciler.sandbox.runner import run_sandbox

    return run_sandbox(config_file(args), port=args.port)


def cmd_completion(args: argparse.Namespace) -> int:
    from reconciler.cli.completion import completion_script
    from reconciler.cli.parser import build_parser

    sys.stdout.write(completion_script(build_parser(), args.shell))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from reconciler import logs
    from reconciler.demo import run_demo

    if not args.verbose:
        logs.configure(verbosity=-1, fmt=args.log_format)
    return run_demo(config_file(args), color=_color(args), transport=transport_settings(args))


# The saved plan's record of the desired state it was made from: when apply --plan
# refuses a stale file, this tells whether the configuration or the live state moved.
CONFIG_DIGEST = "config_digest"


def config_digest(desired: DesiredState, scope: Scope) -> str:
    """A digest of what the config wants in `scope`, blind to comments and key order."""
    from reconciler.review import desired_diff

    wanted = desired_diff(None, scope.narrow(desired))
    return "sha256:" + hashlib.sha256(wanted.dumps().encode("utf-8")).hexdigest()


def what_changed(path: Path, config: Path, desired: DesiredState, scope: Scope) -> str:
    """For a stale saved plan: which side changed since it was made."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8")).get(CONFIG_DIGEST)
    except (OSError, ValueError, AttributeError):
        saved = None
    if not isinstance(saved, str):
        return "the configuration or the live state changed since it was made"
    if saved != config_digest(desired, scope):
        return f"the configuration ({config}) changed since it was made"
    return "the live state on GitHub or AWS changed since it was made; the configuration did not"


def load_plan_file(path: Path) -> Plan:
    """A saved plan, or one line saying why the file is not one (never a traceback)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReconcileError(f"cannot read plan file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ReconcileError(
            f"{path} is not a reconcile plan file: not UTF-8 text ({exc.reason})"
        ) from None
    try:
        return Plan.from_json(json.loads(text))
    except RecursionError:
        raise ReconcileError(
            f"{path} is not a reconcile plan file: its JSON is nested too deeply"
        ) from None
    except json.JSONDecodeError as exc:
        raise ReconcileError(
            f"{path} is not a reconcile plan file: invalid JSON at line {exc.lineno} "
            f"column {exc.colno} ({exc.msg})"
        ) from None
    except ValueError as exc:
        raise ReconcileError(f"{path} is not a reconcile plan file: {exc}") from None
