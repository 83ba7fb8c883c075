"""Every `reconcile …` command line in the workflows is accepted by the CLI parser."""

from __future__ import annotations

import re
import shlex

import pytest

from reconciler.cli.parser import build_parser

from .workflow_files import all_steps, workflow, workflow_paths

# Up to the first redirection, pipe or `||`: the rest is shell, not reconcile's argv.
COMMAND = re.compile(r"^\s*reconcile\s+(?P<args>[^>|\n]*)", re.MULTILINE)


def command_lines() -> list[tuple[str, str]]:
    return [
        (path.name, match["args"].strip())
        for path in workflow_paths()
        for s in all_steps(workflow(path.name))
        for match in COMMAND.finditer(s.get("run", ""))
    ]


def test_the_workflows_call_every_command_they_need() -> None:
    verbs = {args.split()[0] for _, args in command_lines()}
    assert verbs == {"validate", "diff", "plan", "apply"}


@pytest.mark.parametrize("where,args", command_lines(), ids=lambda v: str(v)[:50])
def test_command_line_parses(where: str, args: str) -> None:
    try:
        build_parser().parse_args(shlex.split(args))
    except SystemExit as exc:  # argparse exits on an unknown option
        pytest.fail(f"{where}: `reconcile {args}` is rejected by the CLI ({exc})")
