"""`reconcile demo`: the whole story, in one process, against the sandbox.

A newcomer should understand it from the output alone: plan against a fresh
GitHub, apply, plan again (clean), three hand edits in the "GitHub UI",
the plan that shows exactly them, the apply that fixes them, a clean plan;
then two prod deployments, and `reconcile approvals` flagging the one whose
gate an administrator skipped.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.cli.session import color, config_file, transport_settings
from reconciler.config import load_desired
from reconciler.errors import ReconcileError
from reconciler.github import GitHubConnection, TransportSettings, connection_from_env
from reconciler.model.approvals import Verdict
from reconciler.model.desired import DesiredState
from reconciler.model.plan import Plan
from reconciler.render import Wording, render
from reconciler.render.approvals import render_approvals
from reconciler.render.summary import summary_line
from reconciler.run.applier import ApplyReport
from reconciler.run.apply_and_verify import apply_and_verify
from reconciler.run.approvals import audit_approvals
from reconciler.run.planning import PlanResult, make_plan
from reconciler.sandbox.github import GitHubEmulator
from reconciler.sandbox.history import record_demo_deployments
from reconciler.sandbox.runner import Sandbox

_BOLD, _RESET = "\033[1m", "\033[0m"


class _Narrator:
    def __init__(self, color: bool) -> None:
        self.color = color
        self.step = 0

    def title(self, text: str) -> None:
        self.step += 1
        line = f"── Step {self.step}: {text} "
        line += "─" * max(0, 78 - len(line))
        print(f"\n{_BOLD}{line}{_RESET}" if self.color else f"\n{line}")

    def say(self, text: str) -> None:
        print(text)


@contextmanager
def _sandbox_environment(sandbox: Sandbox) -> Iterator[None]:
    """Point this process's GitHub and AWS clients at the sandbox, then restore."""
    saved = {k: os.environ.get(k) for k in sandbox.env()}
    os.environ.update(sandbox.env())
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _hand_edits(emulator: GitHubEmulator, desired: DesiredState) -> list[str]:
    """What a person might do in the GitHub UI; returns one line per edit."""
    owner = desired.owner
    repos = desired.repositories
    first, last = repos[0], repos[-1]
    prod = first.environments[-1].name
    role = f"arn:aws:iam::{_account(desired, prod)}:role/old-deployer"
    emulator.set_variable(owner, first.name, prod, "AWS_DEPLOYER_ROLE_ARN", role)
    edits = [f"{first.name}/{prod}: AWS_DEPLOYER_ROLE_ARN changed to {role}"]

    staging = first.environments[1].name if len(first.environments) > 1 else prod
    env: dict[str, Any] | None = emulator.environment_json(owner, first.name, staging)
    if env is not None:
        rule = next(
            (r for r in env.get("protection_rules", []) if r["type"] == "required_reviewers"),
            None,
        )
        if rule and rule["reviewers"]:
            gone = rule["reviewers"][0]
            kept = [(r["type"], r["reviewer"]["id"]) for r in rule["reviewers"][1:]]
            emulator.put_environment(
                owner,
                first.name,
                staging,
                reviewers=kept,
                prevent_self_review=bool(kept) and rule.get("prevent_self_review", False),
                # The UI keeps the bypass setting; only an API PUT without it resets it.
                can_admins_bypass=env.get("can_admins_bypass"),
            )
            who = gone["reviewer"].get("slug") or gone["reviewer"].get("login")
            edits.append(f"{first.name}/{staging}: reviewer {who} removed")

    for name in last.secrets:
        emulator.delete_secret(owner, last.name, None, name)
        edits.append(f"{last.name}: repository secret {name} deleted")
        break
    return edits


def _account(desired: DesiredState, env: str) -> str:
    accounts = desired.aws.accounts if desired.aws else {}
    return accounts.get(env, "123456789012")


def _plan(
    conn: GitHubConnection, desired: DesiredState, color: bool, *, first_repo_only: bool = False
) -> PlanResult:
    result = make_plan(desired, conn)
    shown = result.plan
    wording = Wording.plan(desired.source)
    if first_repo_only and len(desired.repositories) > 1:
        # Every repository gets the same environments: one is enough to read.
        first = desired.repositories[0].full_name
        shown = Plan.build(
            [c for c in shown.changes if c.repository == first],
            [f for f in shown.findings if f.repository in (first, None)],
        )
        print(render(shown, "text", color=color, wording=wording).rsplit("\n\n", 1)[0])
        others = len(result.plan.changes) - len(shown.changes)
        print(f"\n  ... and {others} more changes in the other repositories.")
        print(f"\n{summary_line(result.plan, wording)}")
        return result
    print(render(shown, "text", color=color, wording=wording), end="")
    return result


def _apply(result: PlanResult, conn: GitHubConnection) -> ApplyReport:
    source = result.desired.source
    report = apply_and_verify(result, conn)
    print(
        f"Applied {len(report.applied)} change(s), {len(report.failed)} failed, "
        f"{len(report.skipped)} skipped."
    )
    for change, error in report.failed:
        print(f"  failed: {change.id}: {error}")
    if not report.ok:
        raise ReconcileError("the demo's apply did not converge (see above)")
    print(f"Verified: a fresh read of GitHub matches {source}.")
    return report


def run_demo(config: Path, *, color: bool, transport: TransportSettings | None = None) -> int:
    desired = load_desired(config)
    n = _Narrator(color)
    n.say(
        f"reconcile demo: {config} declares {len(desired.repositories)} repositories of "
        f"{desired.owner}, each with environments "
        f"{', '.join(e.name for e in desired.repositories[0].environments)}."
    )
    n.say("A local GitHub API emulator and a moto AWS stand in for the real ones.")
    with Sandbox(desired) as sandbox, _sandbox_environment(sandbox):
        conn = connection_from_env(os.environ, desired, transport=transport)

        n.title("plan against a fresh GitHub: everything is to create")
        first = _plan(conn, desired, color, first_repo_only=True)
        n.title("apply: write only that drift, then verify")
        _apply(first, conn)
        n.title("plan again: nothing left to do")
        _plan(conn, desired, color)

        n.title("someone edits GitHub by hand")
        for edit in _hand_edits(sandbox.github, desired):
            n.say(f"  * {edit}")
        n.title("plan: exactly those three edits show up as drift")
        drift = _plan(conn, desired, color)
        n.title("apply: put them back")
        _apply(drift, conn)
        n.title("plan: clean again")
        final = _plan(conn, desired, color)

        n.title("two prod deployments run: one approved, one with its gate skipped")
        for line in record_demo_deployments(sandbox.github, desired):
            n.say(f"  * {line}")
        n.title("approvals: the skipped gate is flagged")
        flagged = _approvals(conn, desired, color)
    n.say(
        "\nThat is the loop: `reconcile plan --detailed-exitcode` finds drift nightly, "
        "`reconcile apply` fixes it, `reconcile approvals` shows the gate held."
    )
    return 0 if not final.plan.changes and flagged == [Verdict.BYPASSED] else 1


def _approvals(conn: GitHubConnection, desired: DesiredState, color: bool) -> list[Verdict]:
    """The audit of the last hour, printed; the verdicts it flags."""
    since = datetime.now(UTC) - timedelta(hours=1)
    report = audit_approvals(desired, conn, since=since)
    print(render_approvals(report, "text", color=color), end="")
    return [d.verdict for d in report.violations]


def run(args: argparse.Namespace) -> int:
    from reconciler import logs

    if not args.verbose:
        logs.configure(verbosity=-1, fmt=args.log_format)
    return run_demo(config_file(args), color=color(args), transport=transport_settings(args))
