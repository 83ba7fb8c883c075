"""The scale benchmark of issue 7: apply once, then time converged plans.

For each size N it writes an environments.yaml of N repositories with the
root file's shape, starts the sandbox (GitHub emulator and moto) in this
process, and runs the library the way `reconcile apply` and `reconcile plan`
do (a connection built like the CLI's `connect`, the budget check, then
`make_plan` / `apply_and_verify`):

1. apply (no cache) at `--apply-latency`: the first apply into a fresh GitHub;
2. plan (no cache) at `--latency`: the converged plan, the number that counts;
3. plan (cache on, empty) at `--apply-latency`: fills the conditional cache;
4. plan (cache on, warm) at `--latency`: the share of GETs answered 304.

The emulator's latency is set only around each phase; seeding runs at none.
The pacer keeps GitHub's concurrency cap but its secondary-limit budget is
lifted: at 900 points a minute a 10,000-request plan takes 11 minutes whatever
the client does, and this benchmark measures the client. The time the default
pacer would need is reported beside it ("paced").

Run: `make bench` (N = 1, 10, 100), or `.venv/bin/python benchmarks/plan_scale.py
--sizes 1000` (about 5 minutes more).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from measure import PhaseResult, max_rss_bytes, measuring, summarize
from request_log import log_of, logged
from scale_config import ScaleShape, converged_plan_requests, write_scale_config
from startup import measure_startup, startup_table

from reconciler import logs
from reconciler.config import load_desired
from reconciler.github import (
    GitHubConnection,
    PacerConfig,
    connection_from_env,
    ensure_budget,
    resolve_cache_dir,
)
from reconciler.github.pacer import is_write
from reconciler.model.desired import DesiredState
from reconciler.run.apply_and_verify import apply_and_verify
from reconciler.run.planning import estimate_requests, make_plan
from reconciler.sandbox.runner import Sandbox

HERE = Path(__file__).resolve().parent
DEFAULT_JSON = HERE / "results" / "plan_scale.json"
# Far above any run here: the emulator's primary limit would otherwise stop
# a 1000-repository apply (about 31,000 requests) at GitHub's 5,000 an hour.
SANDBOX_PRIMARY_LIMIT = 10_000_000
UNPACED = PacerConfig.unpaced()


def connect(environ: Mapping[str, str], desired: DesiredState, cache_dir: Path | None) -> Any:
    """As `reconciler.cli.session.connect`, with the benchmark's pacer."""
    cache = resolve_cache_dir(cache_dir, disabled=cache_dir is None, environ=environ)
    conn = connection_from_env(environ, desired, cache_dir=cache, pacer=logged(UNPACED))
    ensure_budget(conn, estimate_requests(desired), wait=False)
    return conn


def paced_seconds(result: PhaseResult) -> float:
    """The least time the default pacer's windows allow: each full window waits once."""
    config = PacerConfig()
    weights = {False: 0, True: 0}
    points = 0
    for endpoint, count in result.by_endpoint.items():
        method = endpoint.split(" ", 1)[0]
        points += count * config.cost(method)
        weights[is_write(method)] += count
    return max(
        limit.seconds * ((weights[True] if limit.writes_only else points) // limit.limit)
        for limit in config.windows()
    )


@contextmanager
def sandbox_environment(sandbox: Sandbox) -> Iterator[dict[str, str]]:
    """AWS clients read os.environ (as in a real run); restore it afterwards."""
    saved = dict(os.environ)
    os.environ.update(sandbox.env())
    try:
        yield dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_phase(
    sandbox: Sandbox,
    desired: DesiredState,
    name: str,
    *,
    latency: float,
    concurrency: int,
    cache_dir: Path | None,
    apply: bool = False,
) -> PhaseResult:
    result = PhaseResult(name, len(desired.repositories), latency, concurrency)
    environ = dict(os.environ)
    conn: GitHubConnection | None = None
    sandbox.github.set_latency(latency)
    try:
        with measuring(result):
            conn = connect(environ, desired, cache_dir)
            planned = make_plan(desired, conn, concurrency=concurrency)
            if apply:
                report = apply_and_verify(planned, conn, concurrency=concurrency)
                remaining = report.remaining
                result.changes = len(remaining.changes) if remaining else 0
                if not report.ok:
                    result.notes.append(f"apply not clean: {len(report.failed)} failed")
            else:
                result.changes = len(planned.plan.changes)
            if planned.plan.findings:
                result.notes.append(f"{len(planned.plan.findings)} findings")
    finally:
        sandbox.github.set_latency(0.0)
        if conn is not None:
            conn.close()
    assert conn is not None
    summarize(log_of(conn).events, result, cached=cache_dir is not None)
    return result


def run_size(
    repositories: int, *, latency: float, apply_latency: float, concurrency: int, work: Path
) -> list[PhaseResult]:
    shape = ScaleShape(repositories)
    desired = load_desired(write_scale_config(work, shape))
    cache_dir = work / f"cache-{repositories}"
    started = time.perf_counter()
    with Sandbox(desired) as sandbox, sandbox_environment(sandbox):
        seeded = time.perf_counter() - started
        sandbox.github.set_primary_limit(SANDBOX_PRIMARY_LIMIT)
        common: dict[str, Any] = {"concurrency": concurrency}
        phases = [
            run_phase(
                sandbox, desired, "apply", latency=apply_latency, cache_dir=None, apply=True,
                **common,
            ),
            run_phase(sandbox, desired, "plan", latency=latency, cache_dir=None, **common),
            run_phase(
                sandbox, desired, "plan, cache filling", latency=apply_latency,
                cache_dir=cache_dir, **common,
            ),
            run_phase(
                sandbox, desired, "plan, cache warm", latency=latency, cache_dir=cache_dir,
                **common,
            ),
        ]  # fmt: skip
    phases[0].notes.append(f"sandbox seeded in {seeded:.1f} s at no latency")
    expected = converged_plan_requests(shape) + 1  # and the budget check's GET /rate_limit
    for phase in phases[1:]:
        if phase.requests != expected:
            phase.notes.append(f"expected {expected} requests by issue 7's formula")
    return phases


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def markdown_table(results: list[PhaseResult]) -> str:
    head = (
        "| N | phase | latency (s) | requests | writes | wall (s) | ideal (s) | ratio "
        "| paced (s) | peak RSS (MiB) | RSS growth (MiB) | 304 share | changes left |"
    )
    rows = [head, "|" + "---|" * 13]
    for r in results:
        share = "-" if r.not_modified_share is None else f"{r.not_modified_share:.1%}"
        rows.append(
            f"| {r.repositories} | {r.name} | {r.latency:g} | {r.requests} | {r.writes} "
            f"| {r.wall_seconds:.1f} | {r.ideal_seconds:.1f} | {_fmt(r.ratio)} "
            f"| {paced_seconds(r):.0f} | {r.peak_rss_mib:.0f} | {r.rss_growth_mib:.0f} "
            f"| {share} | {r.changes} |"
        )
    return "\n".join(rows) + "\n"


def endpoint_table(result: PhaseResult) -> str:
    rows = ["| endpoint | requests |", "|---|---|"]
    rows += [f"| `{k}` | {v} |" for k, v in sorted(result.by_endpoint.items())]
    return "\n".join(rows) + "\n"


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def problems(results: list[PhaseResult]) -> list[str]:
    """What makes the run a failure: a plan that writes or does not converge."""
    found = []
    for r in results:
        if r.name.startswith("plan") and r.writes:
            found.append(f"N={r.repositories} {r.name}: {r.writes} writes")
        if r.changes:
            found.append(f"N={r.repositories} {r.name}: {r.changes} changes left")
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--latency", type=float, default=0.05, help="per request, plans")
    parser.add_argument(
        "--apply-latency", type=float, default=0.01, help="per request, apply and cache filling"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, dest="json_path")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logs.configure(verbosity=-1)
    results: list[PhaseResult] = []
    with tempfile.TemporaryDirectory(prefix="reconcile-bench-") as tmp:
        for size in args.sizes:
            print(f"N = {size} ...", file=sys.stderr, flush=True)
            results += run_size(
                size,
                latency=args.latency,
                apply_latency=args.apply_latency,
                concurrency=args.concurrency,
                work=Path(tmp),
            )
            print(markdown_table(results[-4:]), file=sys.stderr, flush=True)
    startup = measure_startup()
    info = machine()
    print(f"Machine: {info['nproc']} x {info['cpu']}, Python {info['python']}, {info['date']}\n")
    print(markdown_table(results))
    largest = max((r for r in results if r.name == "plan"), key=lambda r: r.repositories)
    print(f"Converged plan at N = {largest.repositories}, requests by endpoint:\n")
    print(endpoint_table(largest))
    print("Start-up (median process time of 5 runs):\n")
    print(startup_table(startup))
    args.json_path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": info,
        "settings": {
            "latency": args.latency,
            "apply_latency": args.apply_latency,
            "concurrency": args.concurrency,
            "memory": "resident set, sampled every 20 ms from /proc/self/statm (whole process)",
        },
        # The high-water mark of the whole run: every size, emulator and moto included.
        "process_max_rss_mib": round(max_rss_bytes() / 2**20, 1),
        "startup": [
            {"what": s.name, "command": s.command, "cpu_seconds": round(s.cpu_seconds, 3)}
            for s in startup
        ],
        "results": [r.to_json() | {"paced_seconds": round(paced_seconds(r), 1)} for r in results],
    }
    args.json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    failures = problems(results)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
