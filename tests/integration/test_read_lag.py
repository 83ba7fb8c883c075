"""GitHub's reads lag its writes (issue 17, item 6): a variable just created can
be missing from the next reads (terraform-provider-github #2047). Verification
reads again, a few times within `--verify-wait` seconds, what apply wrote and
GitHub does not show yet, before it reports it as left.

The emulator's `set_variable_read_lag(N)` hides each new variable from the
next N reads of its scope. The fixture config creates 2 variables in each of
6 environments.
"""

from __future__ import annotations

import json

import pytest

from reconciler.cli.parser import build_parser
from reconciler.run.apply_and_verify import VERIFY_WAIT, reread_pauses
from reconciler.sandbox.runner import Sandbox

from .helpers import CliRunner

SCOPES = 6  # environments holding the fixture's variables


def _variable_lists_after_the_writes(sandbox: Sandbox) -> int:
    requests = sandbox.github.requests
    last_write = max(i for i, r in enumerate(requests) if r.method != "GET")
    return sum(
        1 for r in requests[last_write:] if r.method == "GET" and r.path.endswith("/variables")
    )


@pytest.mark.parametrize(
    ("lag", "pending", "reads"),
    [(2, 0, 3), (10, 2 * SCOPES, 4)],
    ids=["shown at the third read", "not shown in time"],
)
def test_verification_reads_again_what_github_shows_late(
    lag: int, pending: int, reads: int, cli: CliRunner, sandbox: Sandbox
) -> None:
    """Shown in time: verified, after 2 re-reads of each scope. Never shown: reported
    as pending after the verification read and 3 more, no further."""
    sandbox.github.set_variable_read_lag(lag)

    result = cli("apply", "--yes", "--verify-wait", "0", "--format", "json")

    assert result.code == (1 if pending else 0), result.out + result.err
    remaining = json.loads(result.out)["remaining"]["changes"]
    assert len(remaining) == pending
    assert {c["resource"] for c in remaining} <= {"variable"}
    assert _variable_lists_after_the_writes(sandbox) == SCOPES * reads


def test_the_rereads_wait_verify_wait_in_all_2_s_by_default(
    cli: CliRunner, sandbox: Sandbox
) -> None:
    """The pauses as planned, doubling, for a --verify-wait of 0.07 s (2 s by default)."""
    assert build_parser().parse_args(["apply"]).verify_wait == VERIFY_WAIT == 2.0
    sandbox.github.set_variable_read_lag(3)

    result = cli("apply", "--yes", "--verify-wait", "0.07", "--log-format", "json")

    assert result.code == 0, result.out + result.err
    events = [json.loads(line) for line in result.err.splitlines() if line.startswith("{")]
    pauses = [
        e["after_seconds"]
        for e in events
        if e.get("event") == "GitHub does not show yet what apply wrote; reading it again"
    ]
    assert pauses == [0.01, 0.02, 0.04]
    assert reread_pauses(2.0) == pytest.approx([2 / 7, 4 / 7, 8 / 7])
    assert sum(reread_pauses(2.0)) == pytest.approx(2.0)


@pytest.mark.parametrize("value", ["-1", "61", "nan", "soon"])
def test_a_verify_wait_out_of_range_is_one_line(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:  # a usage error, as argparse reports it
        build_parser().parse_args(["apply", "--verify-wait", value])
    assert exited.value.code == 1
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("reconcile apply: error: argument --verify-wait: ")
