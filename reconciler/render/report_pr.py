"""The pull-request comment: what the change to the file does, what apply would do
now, and whether the check passes.

The check fails when the file does not validate, when the live plan failed or
could not run in a run that should have had credentials, and when the plan
has findings of severity error. Changes alone never fail it: a pull request
that changes environments is expected to produce changes. A fork's run has no
credentials by design, so it passes on a valid file without a live plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model.plan import Plan
from reconciler.render.report import (
    COMMENT_LIMIT,
    SUMMARY_LIMIT,
    SUMMARY_NOTE,
    Failure,
    Missing,
    PlanPart,
    Report,
    fit,
    missing_plan_text,
    nested,
    plan_markdown,
    shortened,
    truncation_note,
    utf8_bytes,
)
from reconciler.render.summary import Wording

# Hidden in the comment; with the author it finds the one comment to update.
MARKER = "<!-- reconcile-plan -->"


@dataclass(frozen=True)
class DiffPart:
    """`reconcile diff` of the base branch's file against the pull request's.

    `plan`: the desired-state diff (for a file new in this pull request, from
    nothing); None with `reason` when it could not be computed.
    """

    plan: Plan | None = None
    reason: str = ""
    new_file: bool = False


HEAD_INVALID = "Not computed: this pull request's `environments.yaml` does not validate."
BASE_INVALID = (
    "Not computed: the base branch's `environments.yaml` does not validate; "
    "there is nothing to diff against."
)
NEW_FILE = "`environments.yaml` is new in this pull request: everything in it is added."


@dataclass(frozen=True)
class PullRequestInputs:
    validation: tuple[str, ...]  # what `reconcile validate` said is wrong; empty: valid
    diff: DiffPart
    plan: PlanPart
    run_url: str | None = None
    sha: str | None = None
    fork: bool = False
    config_name: str = "environments.yaml"
    base_name: str = "the base branch's environments.yaml"


def pull_request_report(inputs: PullRequestInputs) -> Report:
    """The sticky comment's body, the job summary and the check's verdict."""
    full = _compose(inputs, *_texts(inputs, None))
    body, truncated = full, False
    if len(full) > COMMENT_LIMIT:
        note = truncation_note(inputs.run_url, "a comment")
        budget = COMMENT_LIMIT - len(_compose(inputs, "", "")) - len(note)
        body = shortened(_compose(inputs, *_texts(inputs, budget)), COMMENT_LIMIT, note)
        truncated = True
    summary = fit(full, SUMMARY_LIMIT, SUMMARY_NOTE, measure=utf8_bytes)
    return Report(body=body, summary=summary, failures=_failures(inputs), truncated=truncated)


def _compose(inputs: PullRequestInputs, diff_text: str, plan_text: str) -> str:
    parts = [MARKER, f"## reconcile: {inputs.config_name}", ""]
    where = f"For commit {inputs.sha}" if inputs.sha else "For this pull request"
    parts += [f"{where} ([run]({inputs.run_url}))." if inputs.run_url else f"{where}.", ""]
    if inputs.validation:
        errors = "\n".join(inputs.validation)
        parts += [f"### {inputs.config_name} does not validate", "", "```text", errors, "```", ""]
    parts += ["### What this pull request changes", "", diff_text.rstrip("\n"), ""]
    parts += ["### What apply would do now", "", plan_text.rstrip("\n"), ""]
    return "\n".join(parts)


def _texts(inputs: PullRequestInputs, budget: int | None) -> tuple[str, str]:
    """The two sections; `budget`: the characters they may share (None: no limit).
    The diff may use what the live plan does not need, and at least half."""
    diff, plan = inputs.diff, inputs.plan.plan
    plan_wording = Wording.plan(inputs.config_name)
    if plan is None:
        plan_text = missing_plan_text(inputs.plan, inputs.run_url, pull_request=True)
    else:
        plan_text = nested(plan_markdown(plan, plan_wording, None), 2)
    prefix = f"{NEW_FILE}\n\n" if diff.new_file else ""
    if diff.plan is None:
        diff_text = prefix + diff.reason
    else:
        share = None if budget is None else max(budget // 2, budget - len(plan_text))
        wording = Wording.review(inputs.base_name, inputs.config_name)
        room = None if share is None else share - len(prefix)
        diff_text = prefix + nested(plan_markdown(diff.plan, wording, room), 2)
    if plan is not None and budget is not None:
        plan_text = nested(plan_markdown(plan, plan_wording, budget - len(diff_text)), 2)
    return diff_text, plan_text


def _failures(inputs: PullRequestInputs) -> tuple[Failure, ...]:
    where = "the job summary" if inputs.fork else "the plan comment"
    out: list[Failure] = []
    if inputs.validation:
        out.append(
            Failure(
                f"Invalid {inputs.config_name}",
                f"{inputs.config_name} does not validate; see {where}",
            )
        )
    part = inputs.plan
    if part.missing is Missing.FAILED:
        detail = f" ({part.detail})" if part.detail else ""
        message = f"no live plan; see the plan step's log{detail}"
        out.append(Failure("reconcile plan failed", message))
    elif part.missing is Missing.NO_CREDENTIALS:
        out.append(
            Failure("Plan did not run", "no live plan: the plan job was skipped; see its log")
        )
    elif part.plan is not None and part.plan.errors:
        count = len(part.plan.errors)
        out.append(Failure("Plan has errors", f"{count} finding(s) of severity error; see {where}"))
    return tuple(out)
