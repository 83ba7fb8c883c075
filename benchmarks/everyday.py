"""The everyday cases of issue 14, under the real pacer and GitHub's secondary limit.

Each case runs `reconcile` in this process (`reconciler.cli.main`, imports
loaded beforehand) with production's transport settings (`PacerConfig()`: 900
points per 60 s, writes one at a time and counted against 80 a minute and 500
an hour; production's retries) against the sandbox, whose GitHub emulator
enforces GitHub's documented secondary limit (`enable_secondary_limit()`:
900 points in any 60 s of arrivals, GET 1 and any other method 5, at most
100 requests in flight; a refusal is a 403 with `Retry-After`):

1. the root environments.yaml's first apply into a fresh GitHub, 0 ms latency;
2. the root file's converged plan right after it, at `--latency`;
3. a converged plan of 30 repositories of the root file's shape;
4. a converged plan of 150 repositories (more than 900 points: it waits for
   the window, by design).

The 30 and 150 repositories are first applied with the windows lifted, then
the emulator's limit is switched on afresh (a new process would not know the
seeding's window either) and the plan is measured.

ideal = max(requests x latency / concurrency, 60 s x floor(points / 900)):
every worker always busy, and every full window of points waited for once.
Requests and points are the emulator's (every exchange it answered, retries
included), so a refusal would show in them too.

Run: `make bench`, or `.venv/bin/python benchmarks/everyday.py` (about 2
minutes; `--sizes 30` for fewer, `--json FILE` to keep the rows).
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import asdict, dataclass, field
from pathlib import Path

from measure import endpoint_template
from scale_config import ScaleShape, write_scale_config
from startup import PLAN_IMPORTS

from reconciler.cli import main as reconcile
from reconciler.config import load_desired
from reconciler.github import TransportSettings
from reconciler.sandbox.github import GitHubEmulator
from reconciler.sandbox.runner import Sandbox

HERE = Path(__file__).resolve().parent
ROOT_CONFIG = HERE.parent / "environments.yaml"
DEFAULT_JSON = HERE / "results" / "everyday.json"
# Far above any run here: the emulator's primary limit (5,000 an hour) would
# otherwise stop the seeding of 150 repositories plus their plan.
SANDBOX_PRIMARY_LIMIT = 10_000_000
PRODUCTION = TransportSettings()
# Seeding is not measured: unpaced, as a user would run against a server without limits.
SEEDING = ("--points-per-minute", "off")
POINTS, WINDOW = PRODUCTION.pacer.points_per_window, PRODUCTION.pacer.window_seconds
DEFAULT_SIZES = (30, 150)


@dataclass
class Case:
    name: str
    repositories: int
    latency: float
    concurrency: int
    exit_code: int = 0
    requests: int = 0
    points: int = 0
    writes: int = 0
    wall_seconds: float = 0.0
    refused: int = 0  # the emulator's secondary-limit answers (403/429)
    by_endpoint: dict[str, int] = field(default_factory=dict)

    @property
    def ideal_seconds(self) -> float:
        busy = self.requests * self.latency / self.concurrency
        return max(busy, WINDOW * (self.points // POINTS))

    @property
    def ratio(self) -> float | None:
        return self.wall_seconds / self.ideal_seconds if self.ideal_seconds > 0 else None

    def to_json(self) -> dict[str, object]:
        ratio = self.ratio
        return asdict(self) | {
            "wall_seconds": round(self.wall_seconds, 3),
            "ideal_seconds": round(self.ideal_seconds, 3),
            "ratio": None if ratio is None else round(ratio, 3),
        }


def cost(method: str) -> int:
    """The emulator's model: GET 1 point, every other method 5."""
    return 1 if method == "GET" else 5


def tally(case: Case, emulator: GitHubEmulator) -> None:
    served = emulator.requests
    case.requests = len(served)
    case.points = sum(cost(r.method) for r in served)
    case.writes = sum(1 for r in served if r.is_write)
    # The primary limit is lifted and every case is a clean run, so a 403 or
    # 429 here can only be the secondary-limit model's.
    case.refused = sum(1 for r in served if r.status in {403, 429})
    endpoints = Counter(endpoint_template(r.method, r.path) for r in served)
    case.by_endpoint = dict(sorted(endpoints.items()))


def run_cli(argv: Sequence[str]) -> tuple[int, float]:
    """`reconcile ARGV` in this process, output discarded: (exit code, wall seconds)."""
    sink = io.StringIO()
    started = time.perf_counter()
    with redirect_stdout(sink), redirect_stderr(sink):
        code = reconcile(list(argv))
    return code, time.perf_counter() - started


def measured(
    sandbox: Sandbox,
    name: str,
    argv: Sequence[str],
    *,
    latency: float,
    concurrency: int,
) -> Case:
    case = Case(name, len(sandbox.desired.repositories), latency, concurrency)
    sandbox.github.clear_requests()
    sandbox.github.set_latency(latency)
    try:
        case.exit_code, case.wall_seconds = run_cli(
            [*argv, "--no-cache", "--concurrency", str(concurrency)]
        )
    finally:
        sandbox.github.set_latency(0.0)
    tally(case, sandbox.github)
    return case


@contextmanager
def sandbox_for(config: Path, work: Path) -> Iterator[Sandbox]:
    """A started sandbox whose exports (and a private cache folder) are in os.environ."""
    saved = dict(os.environ)
    with Sandbox(load_desired(config)) as sandbox:
        os.environ.update(sandbox.env())
        os.environ["XDG_CACHE_HOME"] = str(work / "cache")
        sandbox.github.set_primary_limit(SANDBOX_PRIMARY_LIMIT)
        try:
            yield sandbox
        finally:
            os.environ.clear()
            os.environ.update(saved)


def root_cases(latency: float, concurrency: int, work: Path) -> list[Case]:
    config = ["-c", str(ROOT_CONFIG)]
    with sandbox_for(ROOT_CONFIG, work) as sandbox:
        sandbox.github.enable_secondary_limit()
        first = measured(
            sandbox, "root file: first apply", ["apply", "--yes", *config], latency=0.0,
            concurrency=concurrency,
        )  # fmt: skip
        plan = measured(
            sandbox, "root file: converged plan", ["plan", *config], latency=latency,
            concurrency=concurrency,
        )  # fmt: skip
    return [first, plan]


def scale_case(repositories: int, latency: float, concurrency: int, work: Path) -> Case:
    config = write_scale_config(work, ScaleShape(repositories))
    with sandbox_for(config, work) as sandbox:
        code, _ = run_cli(["apply", "--yes", "--no-cache", *SEEDING, "-c", str(config)])
        if code != 0:
            raise SystemExit(f"seeding {repositories} repositories failed: exit {code}")
        # A fresh window, as a new process meets on GitHub an hour later.
        sandbox.github.enable_secondary_limit()
        return measured(
            sandbox, f"{repositories} repositories: converged plan", ["plan", "-c", str(config)],
            latency=latency, concurrency=concurrency,
        )  # fmt: skip


def markdown_table(cases: Sequence[Case]) -> str:
    rows = [
        "| case | latency (ms) | requests | points | writes | wall (s) | ideal (s) | ratio "
        "| secondary-limit answers | exit |",
        "|" + "---|" * 10,
    ]
    for c in cases:
        ratio = "-" if c.ratio is None else f"{c.ratio:.2f}"
        rows.append(
            f"| {c.name} | {c.latency * 1000:.0f} | {c.requests} | {c.points} | {c.writes} "
            f"| {c.wall_seconds:.2f} | {c.ideal_seconds:.2f} | {ratio} | {c.refused} "
            f"| {c.exit_code} |"
        )
    return "\n".join(rows) + "\n"


def problems(cases: Sequence[Case]) -> list[str]:
    """What makes the run a failure: a refusal, a failed command, a plan that writes."""
    found = []
    for c in cases:
        if c.refused:
            found.append(f"{c.name}: {c.refused} secondary-limit answers")
        if c.exit_code != 0:
            found.append(f"{c.name}: exit {c.exit_code}")
        if "plan" in c.name and c.writes:
            found.append(f"{c.name}: {c.writes} writes")
    return found


def run(sizes: Sequence[int], *, latency: float, concurrency: int) -> list[Case]:
    for module in PLAN_IMPORTS.removeprefix("import ").split(", "):
        importlib.import_module(module)  # start-up is benchmarks/startup.py's
    importlib.import_module("reconciler.cli.apply")
    with tempfile.TemporaryDirectory(prefix="reconcile-everyday-") as tmp:
        work = Path(tmp)
        cases = root_cases(latency, concurrency, work)
        for size in sizes:
            print(f"{size} repositories ...", file=sys.stderr, flush=True)
            cases.append(scale_case(size, latency, concurrency, work / str(size)))
    return cases


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(DEFAULT_SIZES))
    parser.add_argument("--latency", type=float, default=0.05, help="per request, plans")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", type=Path, default=None, dest="json_path")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cases = run(args.sizes, latency=args.latency, concurrency=args.concurrency)
    print(markdown_table(cases))
    if args.json_path is not None:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        document = {"cases": [c.to_json() for c in cases]}
        args.json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    failures = problems(cases)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
