"""`reconcile completion bash|zsh`: shell completion generated from the parser.

shtab writes the script from the argparse parser itself, so commands,
options and choices (--format, --log-format) complete as they are defined,
with nothing to keep in step by hand. Options that take a path complete
file names (a directory for --cache-dir).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import shtab

from reconciler.cli.exits import ExitCode


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    _complete_paths(parser)
    script: str = shtab.complete(parser, shell=shell)
    return script


def _complete_paths(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:  # argparse has no public walk of its actions
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _complete_paths(child)
        elif action.type is Path:
            action.complete = shtab.DIRECTORY if action.dest == "cache_dir" else shtab.FILE  # type: ignore[attr-defined]


def run(args: argparse.Namespace) -> int:
    from reconciler.cli.parser import build_parser

    sys.stdout.write(completion_script(build_parser(), args.shell))
    return ExitCode.OK
