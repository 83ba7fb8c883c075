"""`reconcile approvals` (issue 18): its requests per deployment, its writes (none)
and its time, under the real pacer and GitHub's secondary limit.

Each case records a job history into the sandbox, then runs `reconcile
approvals --format json` in this process with production's transport settings
(as benchmarks/everyday.py does) and the sandbox's read-only token, at
`--latency` per request, and counts what the emulator answered:

1. the sandbox's own seeded history (`reconcile sandbox`: one job of each case);
2. N repositories of the root file's shape, each with a day of deployments:
   per release, one run that deploys staging then prod (both approved), and
   two dev deploys; one release in five has a violation (prod self-approved,
   skipped or unreviewed in turn);
3. one repository with 250 deployments in the window and 200 older ones: the
   listing's paging, and where it stops.

The budget the issue sets: 0 writes, and at most 3 requests per deployment
plus the listings' pages. `budget` below is that bound for each case; the run
fails if a case exceeds it, writes, or meets a secondary-limit answer.

Run: `.venv/bin/python benchmarks/approvals.py` (about a minute; `--sizes 10`
for fewer repositories, `--json FILE` to keep the rows).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from everyday import Case, measured, sandbox_for
from scale_config import ScaleShape, write_scale_config
from startup import PLAN_IMPORTS

from reconciler.sandbox.history import DEVELOPER, seed_job_history
from reconciler.sandbox.runner import Sandbox
from reconciler.sandbox.seed import ADMIN_LOGIN

HERE = Path(__file__).resolve().parent
ROOT_CONFIG = HERE.parent / "environments.yaml"
DEFAULT_SIZES = (30,)
RELEASES_PER_DAY = 5
APPROVER, OTHER = "platform-approvers-alice", "platform-approvers-bob"
APPROVALS_IMPORTS = (
    "reconciler.cli.approvals",
    "reconciler.run.approvals",
    "reconciler.render.approvals",
    "reconciler.github.deployments",
)


@dataclass
class Audit:
    case: Case
    deployments: int
    pages: int  # deployment listings read

    @property
    def budget(self) -> int:
        return 3 * self.deployments + self.pages

    @property
    def metered(self) -> int:
        """Requests that count against the rate limit (GET /rate_limit does not)."""
        return self.case.requests - self.case.by_endpoint.get("GET /rate_limit", 0)

    def row(self) -> str:
        c = self.case
        per = self.metered / self.deployments if self.deployments else 0.0
        return (
            f"| {c.name} | {self.deployments} | {self.metered} | {per:.2f} | {self.pages} "
            f"| {self.budget} | {c.writes} | {c.wall_seconds:.2f} | {c.ideal_seconds:.2f} "
            f"| {c.refused} | {c.exit_code} |"
        )

    def to_json(self) -> dict[str, object]:
        return self.case.to_json() | {
            "deployments": self.deployments,
            "listing_pages": self.pages,
            "metered_requests": self.metered,
            "budget": self.budget,
        }


def _audit(sandbox: Sandbox, name: str, config: Path, latency: float, concurrency: int) -> Audit:
    sandbox.github.enable_secondary_limit()
    case = measured(
        sandbox, name, ["approvals", "-c", str(config), "--format", "json"],
        latency=latency, concurrency=concurrency,
    )  # fmt: skip
    listings = sum(n for e, n in case.by_endpoint.items() if e.endswith("/deployments"))
    statuses = sum(n for e, n in case.by_endpoint.items() if e.endswith("/statuses"))
    return Audit(case, deployments=statuses, pages=listings)


def _a_day(sandbox: Sandbox) -> None:
    """Per repository: releases (one run, staging then prod) and dev deploys."""
    gh, owner = sandbox.github, sandbox.desired.owner
    now = gh.now()
    violations = [[("approved", DEVELOPER)], [("skipped", ADMIN_LOGIN)], []]
    for index, repo in enumerate(sandbox.desired.repositories):
        for release in range(RELEASES_PER_DAY):
            at = now - timedelta(hours=4 * release + 1)
            staging = gh.record_job(
                owner, repo.name, "staging", actor=DEVELOPER, at=at,
                reviews=[("approved", APPROVER)],
            )  # fmt: skip
            bad = (index + release) % 5 == 0
            prod_reviews = violations[index % 3] if bad else [("approved", OTHER)]
            gh.record_job(
                owner, repo.name, "prod", actor=DEVELOPER, at=at + timedelta(minutes=10),
                run_id=staging.run_id, reviews=prod_reviews,
            )  # fmt: skip
            for dev in range(2):
                gh.record_job(
                    owner, repo.name, "dev", actor=DEVELOPER, at=at - timedelta(minutes=dev + 1)
                )


def seeded_case(latency: float, concurrency: int, work: Path) -> Audit:
    with sandbox_for(ROOT_CONFIG, work) as sandbox:
        seed_job_history(sandbox.github, sandbox.desired)
        _read_only(sandbox)
        return _audit(
            sandbox, "root file: the sandbox's history", ROOT_CONFIG, latency, concurrency
        )


def day_case(repositories: int, latency: float, concurrency: int, work: Path) -> Audit:
    config = write_scale_config(work, ScaleShape(repositories))
    with sandbox_for(config, work) as sandbox:
        _a_day(sandbox)
        _read_only(sandbox)
        name = f"{repositories} repositories: a day of deployments"
        return _audit(sandbox, name, config, latency, concurrency)


def paging_case(latency: float, concurrency: int, work: Path) -> Audit:
    config = write_scale_config(work, ScaleShape(1))
    with sandbox_for(config, work) as sandbox:
        gh, owner = sandbox.github, sandbox.desired.owner
        repo, now = sandbox.desired.repositories[0].name, gh.now()
        for i in range(200):
            gh.record_job(
                owner, repo, "dev", actor=DEVELOPER, at=now - timedelta(days=9, minutes=i)
            )
        for i in range(250):
            gh.record_job(owner, repo, "dev", actor=DEVELOPER, at=now - timedelta(minutes=i))
        _read_only(sandbox)
        return _audit(
            sandbox, "1 repository: 250 deployments, 200 older", config, latency, concurrency
        )


def _read_only(sandbox: Sandbox) -> None:
    """The nightly check's credentials: `sandbox_for` puts the environment back after."""
    os.environ["GITHUB_TOKEN"] = sandbox.read_token


def problems(audits: Sequence[Audit]) -> list[str]:
    found = []
    for a in audits:
        c = a.case
        if c.writes:
            found.append(f"{c.name}: {c.writes} writes")
        if c.refused:
            found.append(f"{c.name}: {c.refused} secondary-limit answers")
        if c.exit_code != 0:
            found.append(f"{c.name}: exit {c.exit_code}")
        if a.metered > a.budget:
            found.append(f"{c.name}: {a.metered} requests, over the budget of {a.budget}")
    return found


def markdown_table(audits: Sequence[Audit]) -> str:
    rows = [
        "| case | deployments | requests | per deployment | listing pages | budget "
        "| writes | wall (s) | ideal (s) | secondary-limit answers | exit |",
        "|" + "---|" * 11,
    ]
    return "\n".join([*rows, *(a.row() for a in audits)]) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(DEFAULT_SIZES))
    parser.add_argument("--latency", type=float, default=0.05, help="per request")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", type=Path, default=None, dest="json_path")
    args = parser.parse_args(argv)
    for module in (*PLAN_IMPORTS.removeprefix("import ").split(", "), *APPROVALS_IMPORTS):
        importlib.import_module(module)  # start-up is benchmarks/startup.py's
    with tempfile.TemporaryDirectory(prefix="reconcile-approvals-") as tmp:
        work = Path(tmp)
        audits = [seeded_case(args.latency, args.concurrency, work / "root")]
        for size in args.sizes:
            print(f"{size} repositories ...", file=sys.stderr, flush=True)
            audits.append(day_case(size, args.latency, args.concurrency, work / str(size)))
        audits.append(paging_case(args.latency, args.concurrency, work / "paging"))
    print(markdown_table(audits))
    if args.json_path is not None:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        document = {"cases": [a.to_json() for a in audits]}
        args.json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    failures = problems(audits)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
