"""What `reconcile apply` prints when it is done: the report and the error lines.

The report always comes out, whatever stopped the run (a signal, a dead
GitHub, an audit log that could not keep a record, a failed verification
read): what was applied, what failed, what was never started, and whether
GitHub was read again to verify.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from reconciler.model.plan import Plan
from reconciler.run.applier import ApplyReport


def _json(plan: Plan, report: ApplyReport) -> dict[str, Any]:
    verified = report.remaining is not None
    return {
        "plan": plan.to_json(),
        "applied": [c.id for c in report.applied],
        "failed": [{"id": c.id, "error": e} for c, e in report.failed],
        "skipped": [{"id": c.id, "reason": r} for c, r in report.skipped],
        "not_started": [c.id for c in report.not_started],
        "notes": [{"id": c.id, "note": n} for c, n in report.notes],
        "unrecorded": list(report.unrecorded),
        "stopped": report.stopped,
        "in_flight_at_stop": list(report.in_flight_at_stop),
        "sent_after_stop": report.sent_after_stop,
        "verified": verified and not report.verify_error,
        "verification_error": report.verify_error,
        "remaining": report.remaining.to_json() if report.remaining is not None else None,
    }


def print_report(plan: Plan, report: ApplyReport, fmt: str, source: str) -> None:
    """The outcome of apply; `source` names the config GitHub was made to match."""
    if fmt == "json":
        print(json.dumps(_json(plan, report), indent=2))
        return
    print()
    for change, error in report.failed:
        print(f"failed:  {change.id}: {error}")
    for change, reason in report.skipped:
        print(f"skipped: {change.id}: {reason}")
    for change, note in report.notes:
        print(f"note:    {change.id}: {note}")
    for change in report.not_started:
        print(f"not started: {change.id}")
    for line in report.unrecorded:
        print(f"unrecorded: {line}")
    print(
        f"Apply: {len(report.applied)} applied, {len(report.failed)} failed, "
        f"{len(report.skipped)} skipped, {len(report.not_started)} not started."
    )
    if report.stopped:
        print(f"Stopped: {report.stopped}; {_after_stop(report)}.")
    if report.verify_error:
        print(f"Not verified: reading GitHub again failed: {report.verify_error}")
    elif report.remaining is None:
        print("Not verified: the run stopped early; `reconcile plan` shows what is left.")
    elif report.remaining.changes:
        print(f"Verification: {len(report.remaining.changes)} change(s) still pending after apply:")
        for change in report.remaining.changes:
            print(f"  {change.id}: {change.reason}")
    else:
        print(f"Verified: GitHub now matches {source}.")


def _after_stop(report: ApplyReport) -> str:
    """What the gate saw after the stop: counted, never assumed."""
    sent = report.sent_after_stop
    said = (
        "no write was started after that"
        if sent == 0
        else f"{sent} write request(s) were sent after that"
    )
    if report.in_flight_at_stop:
        said += f" (in flight then, let finish: {', '.join(report.in_flight_at_stop)})"
    return said


def print_errors(report: ApplyReport) -> None:
    """The `error:` lines on stderr for what stopped or spoiled the run."""
    for line in report.unrecorded:
        print(f"error: {line}; no further write was started", file=sys.stderr)
    if report.stopped and not report.unrecorded:
        done = f"{len(report.applied)} applied, {len(report.not_started)} not started"
        print(f"error: {report.stopped} ({done}); run apply again to finish", file=sys.stderr)
    if report.verify_error:
        print(
            f"error: the writes are done ({len(report.applied)} applied) but GitHub could not "
            f"be read again to verify them: {report.verify_error}",
            file=sys.stderr,
        )
