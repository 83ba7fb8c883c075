"""The command line (README.md, "Using it"), as argparse parsers with helpful --help."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from reconciler import __version__
from reconciler.approvals.window import DEFAULT_SINCE
from reconciler.cli.exits import EXIT_CODES_TABLE, ExitCode
from reconciler.cli.options import argparse_type, parse_backoff, parse_points

_EPILOG = f"{EXIT_CODES_TABLE}\n\nDocs: README.md and docs/ in the repository."


class Parser(argparse.ArgumentParser):
    """argparse, except that a usage error exits 1: exit 2 means drift only."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.ERROR, f"{self.prog}: error: {message}\n")


class _Formatter(argparse.HelpFormatter):
    """Wraps sentences as usual but keeps preformatted text (the exit-code table)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def wait_seconds(text: str) -> float:
    """An argparse type: seconds from 0 to 60."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 60:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 60 seconds")
    return value


def _common(*, outputs: bool = False, network: bool = True, config: bool = True) -> Parser:
    p = Parser(add_help=False)
    if config:
        p.add_argument(
            "-c",
            "--config",
            type=Path,
            default=Path("environments.yaml"),
            metavar="PATH",
            help="the environments file (default: ./environments.yaml)",
        )
    p.add_argument("-v", "--verbose", action="count", default=0, help="debug logs")
    p.add_argument(
        "--log-format",
        choices=("console", "json"),
        default=None,
        help="log format on stderr (default: console on a TTY, json otherwise)",
    )
    p.add_argument("--no-color", action="store_true", help="no ANSI colour in the output")
    if network:
        p.add_argument(
            "--repo",
            action="append",
            default=[],
            metavar="NAME",
            help="only this repository (repeatable)",
        )
        p.add_argument(
            "--env",
            action="append",
            default=[],
            metavar="NAME",
            help="only this environment (repeatable); repository-level items are left out",
        )
        p.add_argument(
            "--concurrency",
            type=positive_int,
            default=8,
            metavar="N",
            help="repositories read in parallel, at least 1 (default 8)",
        )
        p.add_argument(
            "--cache-dir",
            type=Path,
            metavar="DIR",
            help="where GET answers are kept for conditional requests "
            "(default $XDG_CACHE_HOME/reconcile)",
        )
        p.add_argument("--no-cache", action="store_true", help="do not use the request cache")
        p.add_argument(
            "--points-per-minute",
            type=argparse_type(parse_points),
            default=None,
            metavar="N",
            help="GitHub's secondary rate limit in points a minute (GET 1, write 5; "
            "default $RECONCILE_POINTS_PER_MINUTE, else 900, GitHub's documented limit); "
            "set it to what a GitHub Enterprise Server's administrators configured, "
            "or off (or 0) where they switched rate limiting off",
        )
        p.add_argument(
            "--retry-backoff",
            type=argparse_type(parse_backoff),
            default=None,
            metavar="SECONDS",
            help="the first wait before retrying a failed GitHub request when GitHub "
            "names no wait; doubles per attempt, 0 to 60 (default $RECONCILE_RETRY_BACKOFF, "
            "else 1)",
        )
        p.add_argument(
            "--wait-for-rate-limit",
            action="store_true",
            help="when the primary rate-limit budget is too small for the run, "
            "wait for its reset instead of stopping",
        )
    if outputs:
        p.add_argument(
            "--format",
            choices=("text", "json", "markdown"),
            default="text",
            help="how to print the plan (default text)",
        )
    return p


def build_parser() -> Parser:
    parser = Parser(
        prog="reconcile",
        formatter_class=_Formatter,
        description=(
            "Make GitHub deployment environments (reviewers, branch policies, "
            "variables, secrets) match a reviewed environments.yaml."
        ),
        epilog=_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"reconcile {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub.add_parser(
        "validate",
        parents=[_common(network=False)],
        help="check the config offline; exit 0 or 1",
        description="Check environments.yaml without any network access. Exit 0 or 1.",
    )
    sub.add_parser(
        "schema",
        parents=[_common(network=False, config=False)],
        help="print the JSON Schema of environments.yaml",
        description="Print the JSON Schema of environments.yaml (for editors and CI).",
    )

    plan = sub.add_parser(
        "plan",
        parents=[_common(outputs=True)],
        help="show the drift between GitHub/AWS and the config; never writes",
        description="Read live GitHub and AWS state and print what apply would change. "
        "Never writes anywhere.",
        epilog=_EPILOG,
        formatter_class=_Formatter,
    )
    plan.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when there is drift (a change or an error finding), 0 when none",
    )
    plan.add_argument("--out", type=Path, metavar="FILE", help="also write the JSON plan here")

    apply = sub.add_parser(
        "apply",
        parents=[_common(outputs=True)],
        help="apply only the drift, then verify",
        description="Compute a plan (or load --plan), ask for confirmation, write only "
        "the drift in a safe order, then re-read GitHub to verify.",
        epilog=_EPILOG,
        formatter_class=_Formatter,
    )
    apply.add_argument("--yes", action="store_true", help="do not ask (needed without a TTY)")
    apply.add_argument(
        "--plan",
        type=Path,
        metavar="FILE",
        dest="plan_file",
        help="apply this saved JSON plan; refused if live state changed since",
    )
    apply.add_argument(
        "--force",
        action="store_true",
        help="allow deleting more than 30%% of the managed items (prune safety threshold)",
    )
    apply.add_argument(
        "--audit-log",
        type=Path,
        metavar="FILE",
        help="append one JSON line per write, synced before the next write (checked first)",
    )
    apply.add_argument(
        "--verify-wait",
        type=wait_seconds,
        default=2.0,
        metavar="SECONDS",
        help="how long verification keeps re-reading a write GitHub does not show yet "
        "(its reads can lag its writes), 0 to 60 (default 2)",
    )

    export = sub.add_parser(
        "export",
        parents=[_common()],
        help="write the live state as an environments.yaml",
        description="Read repositories on GitHub and print an environments.yaml describing "
        "them (secrets become {env: NAME} placeholders).",
    )
    export.add_argument("--owner", help="owner of the repositories (default: from --config)")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")

    diff = sub.add_parser(
        "diff",
        parents=[_common(network=False, config=False)],
        help="what changes in the desired state between two config files (offline)",
        description="Compare two environments.yaml files (e.g. a pull request's base and "
        "head) without reading GitHub or AWS. AWS references are shown as references.",
    )
    diff.add_argument(
        "old",
        type=Path,
        help="the old file (e.g. the base branch's); /dev/null when the file is new",
    )
    diff.add_argument("new", type=Path, help="the new file (e.g. the pull request's)")
    diff.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format"
    )

    sandbox = sub.add_parser(
        "sandbox",
        parents=[_common(network=False)],
        help="run a local GitHub API and AWS emulator seeded from the config",
        description="Start the GitHub REST emulator and moto's AWS server on 127.0.0.1, "
        "seeded from the config; print the exports to use them; run until Ctrl-C.",
    )
    sandbox.add_argument("--port", type=int, default=0, help="GitHub emulator port (default any)")

    completion = sub.add_parser(
        "completion",
        parents=[_common(network=False, config=False)],
        help="print the shell completion script for bash or zsh",
        description="Print a completion script for reconcile. "
        'bash: add `eval "$(reconcile completion bash)"` to ~/.bashrc. '
        'zsh: add `eval "$(reconcile completion zsh)"` to ~/.zshrc, after compinit.',
    )
    completion.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")

    sub.add_parser(
        "demo",
        parents=[_common(network=False)],
        help="the whole story against the sandbox, in one process",
        description="Plan, apply, simulate hand edits in the GitHub UI, plan the drift and "
        "fix it, all against the in-process sandbox.",
    )

    approvals = sub.add_parser(
        "approvals",
        parents=[_common(outputs=True)],
        help="check that each deployment had the approval the config declares; never writes",
        description="List the deployments to the declared environments since --since, link "
        "each to the workflow run that made it, read that run's reviews and give a verdict: "
        "approved, self_approved, bypassed, unapproved, not_required, pending, rejected or "
        "unknown. Never writes anywhere.",
        epilog=_EPILOG,
        formatter_class=_Formatter,
    )
    approvals.add_argument(
        "--since",
        default=DEFAULT_SINCE,
        metavar="WHEN",
        help="how far back: a duration (36h, 7d) or an ISO 8601 date or time "
        "(default 36h: a nightly run's 24 hours plus 12 of overlap)",
    )
    approvals.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when a deployment is self_approved, bypassed, unapproved or unknown",
    )
    _add_publish(sub)
    return parser


def _add_publish(sub: argparse._SubParsersAction[Parser]) -> None:
    """`reconcile publish pr|drift`: what the workflows post (docs/ci.md)."""
    publish = sub.add_parser(
        "publish",
        help="post the pull-request comment or the drift issue from the workflow's files",
        description="Compose the report from what the workflow's steps wrote (plan.json, "
        "approvals.json) and post it: the one plan comment of a pull request, or the one "
        "drift issue. Writes $GITHUB_STEP_SUMMARY when set. Exit 0: the check passes; "
        "3: it fails; 1: publishing failed.",
        epilog=_EPILOG,
        formatter_class=_Formatter,
    )
    targets = publish.add_subparsers(dest="target", metavar="TARGET", required=True)
    shared = Parser(add_help=False, parents=[_common(network=False, config=False)])
    shared.add_argument(
        "--plan",
        type=Path,
        default=Path("plan.json"),
        metavar="FILE",
        help="the saved plan of `reconcile plan --out` (default plan.json); missing: the "
        "plan failed or did not run",
    )
    shared.add_argument(
        "--repository",
        metavar="OWNER/NAME",
        help="where to publish (default $GITHUB_REPOSITORY)",
    )
    shared.add_argument(
        "--run-url",
        metavar="URL",
        help="the run the report links to (default: this GitHub Actions run)",
    )
    shared.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help="append the whole report here (default $GITHUB_STEP_SUMMARY, when set)",
    )
    shared.add_argument(
        "--dry-run",
        action="store_true",
        help="print the body and what would be done; publish nothing",
    )
    pr = targets.add_parser(
        "pr",
        parents=[shared],
        help="keep the one plan comment on a pull request",
        description="Validate the file, diff it against the base branch's, add the live "
        "plan, and create or update this token's own plan comment on the pull request. "
        "A fork's pull request gets the job summary only.",
    )
    pr.add_argument(
        "-c",
        "--config",
        type=Path,
        default=Path("environments.yaml"),
        metavar="PATH",
        help="the pull request's environments file (default: ./environments.yaml)",
    )
    pr.add_argument(
        "--base",
        type=Path,
        required=True,
        metavar="FILE",
        help="the base branch's environments file; a missing file means it is new here",
    )
    pr.add_argument(
        "--plan-outcome",
        choices=("success", "failure", "cancelled", "skipped"),
        help="how the plan step or job ended (GitHub's outcome); skipped: no credentials",
    )
    pr.add_argument(
        "--number",
        type=positive_int,
        metavar="N",
        help="the pull request (default: from $GITHUB_EVENT_PATH)",
    )
    pr.add_argument("--sha", help="the head commit (default: from $GITHUB_EVENT_PATH)")
    pr.add_argument(
        "--fork",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="whether it comes from a fork (default: from $GITHUB_EVENT_PATH)",
    )
    drift = targets.add_parser(
        "drift",
        parents=[shared],
        help="keep the one drift issue open, updated or closed",
        description="Open the drift issue on drift or an approval violation, update it "
        "while either lasts, close it with a comment once a run shows neither. A failed "
        "step leaves a clean-looking issue alone.",
    )
    drift.add_argument(
        "--approvals",
        type=Path,
        metavar="FILE",
        help="the audit of `reconcile approvals --format json`; omitted: no audit",
    )
    drift.add_argument(
        "--label",
        default="environment-drift",
        help="the drift issue's label, created when missing (default environment-drift)",
    )
    drift.add_argument(
        "--title", default="Environment drift",
        help="the title of a new drift issue (default: Environment drift)",
    )  # fmt: skip
