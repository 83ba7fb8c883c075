"""The everyday benchmark (benchmarks/everyday.py) runs, and counts what it should.

Only its root-file cases, at no latency: request counts, points and refusals,
never its times (those are the benchmark's to report, docs/performance.md).
"""

from __future__ import annotations

import pytest
from everyday import ROOT_CONFIG, markdown_table, problems, run

pytestmark = pytest.mark.slow


def test_the_root_file_cases_run_clean_under_the_real_pacer() -> None:
    first, plan = run([], latency=0.0, concurrency=8)
    assert ROOT_CONFIG.name == "environments.yaml"
    # As tests/integration/test_apply_cli.py::test_first_apply_request_count.
    assert (first.requests, first.writes, first.points) == (53, 23, 30 + 23 * 5)
    # Per repository 11 (3 + 2 x 3 environments + prod's policies + the subject
    # template), the identities (3), the budget check and the dispatch check.
    assert (plan.requests, plan.writes, plan.points) == (27, 0, 27)
    assert "GET /rate_limit" not in first.by_endpoint  # apply's GET /user tells the budget
    assert plan.by_endpoint["GET /rate_limit"] == 1
    assert problems([first, plan]) == []
    assert "| root file: first apply | 0 | 53 | 145 | 23 |" in markdown_table([first, plan])
