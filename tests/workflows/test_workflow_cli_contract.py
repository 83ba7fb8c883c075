"""Every `reconcile …` command line in the workflows is accepted by the CLI parser."""

from __future__ import annotations

import argparse
import re
import shlex

import pytest

from reconciler.cli.parser import build_parser

from .workflow_files import all_steps, workflow, workflow_paths

# Up to the first redirection, pipe or `||`: the rest is shell, not reconcile's argv.
COMMAND = re.compile(r"^\s*reconcile\s+(?P<args>[^>|\n]*)", re.MULTILINE)
# What a step's `needs.<job>.result` or `steps.<id>.outcome` can be.
OUTCOMES = ("success", "failure", "cancelled", "skipped")
VARIABLE = re.compile(r"\$\{?(?P<name>[A-Z_]+)\}?")


def command_lines() -> list[tuple[str, str]]:
    """Each command line, once per value its step's outcome variables can take."""
    found = []
    for path in workflow_paths():
        for s in all_steps(workflow(path.name)):
            for match in COMMAND.finditer(s.get("run", "")):
                args = match["args"].strip()
                names = set(VARIABLE.findall(args))
                env = s.get("env", {})
                outcome = {n for n in names if re.search(r"\.(result|outcome) }}", env.get(n, ""))}
                assert names == outcome, f"{path.name}: what does {sorted(names)} hold?"
                for value in OUTCOMES if names else ("",):
                    found.append((path.name, VARIABLE.sub(value, args)))
    return found


def commands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_the_workflows_call_every_command_they_need() -> None:
    verbs = {args.split()[0] for _, args in command_lines()}
    assert verbs == {"plan", "approvals", "publish", "apply"}


@pytest.mark.parametrize("where,args", command_lines(), ids=lambda v: str(v)[:50])
def test_command_line_parses(where: str, args: str) -> None:
    assert args.split(maxsplit=1)[0] in commands(), f"{where}: `reconcile {args}` is no command"
    try:
        build_parser().parse_args(shlex.split(args))
    except SystemExit as exc:  # argparse exits on an unknown option
        pytest.fail(f"{where}: `reconcile {args}` is rejected by the CLI ({exc})")
