"""Start-up cost of the CLI (issue 14): process time of short runs, in subprocesses.

Three figures, each the median CPU time (user + system) of `--runs` fresh
processes, read from `resource.getrusage(RUSAGE_CHILDREN)`:

- `reconcile --version`;
- `reconcile validate -c tests/data/good/alphaswarm.yaml` (no network);
- the imports `reconcile plan` needs before its first request (PyGithub,
  boto3 and the rest), as `python -c "import ..."`.

Run alone: `.venv/bin/python benchmarks/startup.py`; `make bench` includes it.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "good" / "alphaswarm.yaml"
# What `reconcile plan` imports before it sends a request (reconciler.cli.plan.run).
PLAN_IMPORTS = (
    "import reconciler.cli, reconciler.config, reconciler.run.planning, reconciler.render, "
    "reconciler.github, reconciler.aws, reconciler.run.scope, reconciler.cli.progress"
)


@dataclass(frozen=True)
class Startup:
    name: str
    command: str
    cpu_seconds: float


def _cpu_of(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure_startup(runs: int = 5) -> list[Startup]:
    python = sys.executable
    cases = [
        ("reconcile --version", [python, "-m", "reconciler", "--version"]),
        (
            "reconcile validate",
            [python, "-m", "reconciler", "validate", "-c", str(FIXTURE.relative_to(ROOT))],
        ),
        ("plan's imports", [python, "-c", PLAN_IMPORTS]),
    ]
    found = []
    for name, argv in cases:
        _cpu_of(argv)  # warm the file cache and the bytecode
        median = statistics.median(_cpu_of(argv) for _ in range(runs))
        shown = " ".join(["python", *argv[1:]]).replace(PLAN_IMPORTS, f'"{PLAN_IMPORTS}"')
        found.append(Startup(name, shown, median))
    return found


def startup_table(found: list[Startup]) -> str:
    rows = ["| what | process time (s) | command |", "|---|---|---|"]
    rows += [f"| {s.name} | {s.cpu_seconds:.2f} | `{s.command}` |" for s in found]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(startup_table(measure_startup()))
