"""What `reconcile publish` posts, composed from what the workflow's steps produced.

Pure like every renderer: the inputs are values (the validation errors, the
diff and plan as `Plan`s, the approval audit, the run's URL and commit), the
output is a `Report`: the comment or issue body within GitHub's limit, the job
summary with the whole text, and the reasons the check fails. The pull-request
comment is composed in `report_pr.py`, the drift issue in `report_drift.py`;
what they share is here: the limits, the rule for cutting a body that does not
fit, and the parts that say why a step produced nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from reconciler.model.plan import Plan
from reconciler.render.markdown import render_markdown
from reconciler.render.summary import Wording

# GitHub refuses an issue or comment body over 65,536 characters (422 "body is
# too long (maximum is 65536 characters)"), and keeps at most 1 MiB of one
# step's job summary.
COMMENT_LIMIT = 65_536
SUMMARY_LIMIT = 1024 * 1024
# Room a section's own renderer may not use: headings and notes around it.
_MARGIN = 512
_FENCE = re.compile(r"^(`{3,})")


@dataclass(frozen=True)
class Failure:
    """Why the check fails: an annotation's title and its one-line message."""

    title: str
    message: str


@dataclass(frozen=True)
class Report:
    body: str  # the comment or issue body, within COMMENT_LIMIT characters
    summary: str  # the job summary: the whole report, within SUMMARY_LIMIT bytes
    failures: tuple[Failure, ...] = ()
    truncated: bool = False  # the body is a cut of the summary

    @property
    def passes(self) -> bool:
        return not self.failures


class Missing(StrEnum):
    """Why a step left no result to show."""

    INVALID_CONFIG = "invalid_config"  # environments.yaml must validate first
    FORK = "fork"  # a fork's pull request runs without credentials
    NO_CREDENTIALS = "no_credentials"  # the step was skipped: nothing to run it with
    FAILED = "failed"  # it ran and failed, or left a file that is not its output


@dataclass(frozen=True)
class PlanPart:
    """The live plan, or why there is none (`detail`: what was wrong with its file)."""

    plan: Plan | None = None
    missing: Missing | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if (self.plan is None) == (self.missing is None):
            raise ValueError("a plan part holds either a plan or the reason it has none")


def characters(text: str) -> int:
    return len(text)


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def fit(full: str, limit: int, note: str, *, measure: Callable[[str], int] = characters) -> str:
    """`full` when it fits in `limit`; else its longest head of whole lines that fits
    with `note` after it. A code fence or `<details>` block the head leaves open is
    closed before the note, so the note never renders inside one."""
    if measure(full) <= limit:
        return full
    kept: list[str] = []
    used = measure(note)
    fence: str | None = None
    details = 0
    for line in full.splitlines(keepends=True):
        next_fence, next_details = _track(line, fence, details)
        closers = _closers(next_fence, next_details)
        if used + measure(line) + measure(closers) > limit:
            break
        kept.append(line)
        used += measure(line)
        fence, details = next_fence, next_details
    head = "".join(kept)
    if head and not head.endswith("\n"):
        head += "\n"
    return head + _closers(fence, details) + note


def shortened(text: str, limit: int, note: str) -> str:
    """A body shorter than the whole report: it always ends with `note`, and is cut
    by `fit` when its sections' own shortening was not enough."""
    if len(text) + len(note) <= limit:
        return text.rstrip("\n") + "\n" + note
    return fit(text, limit, note)


def nested(markdown: str, levels: int) -> str:
    """`markdown` with its headings `levels` deeper, to sit under a heading of the
    report; lines in code fences (a diff's `# environment` lines) stay as they are."""
    out = []
    fence: str | None = None
    for line in markdown.splitlines(keepends=True):
        fence, _ = _track(line, fence, 0)
        heading = fence is None and re.match(r"#{1,6} ", line) is not None
        out.append("#" * levels + line if heading else line)
    return "".join(out)


def _track(line: str, fence: str | None, details: int) -> tuple[str | None, int]:
    stripped = line.strip()
    match = _FENCE.match(stripped)
    if fence is None and match:
        return match.group(1), details
    if fence is not None:
        return (None if stripped == fence else fence), details
    details += stripped.count("<details") - stripped.count("</details>")
    return None, max(details, 0)


def _closers(fence: str | None, details: int) -> str:
    return (f"{fence}\n" if fence else "") + "\n</details>\n" * details


def truncation_note(run_url: str | None, where: str) -> str:
    """The closing note of a body that was cut: where the whole text is."""
    place = f"the job summary of {run_url}" if run_url else "this run's job summary"
    return (
        f"\n---\n**Truncated:** this report is longer than GitHub allows in {where} "
        f"({COMMENT_LIMIT:,} characters). The whole report is in {place}.\n"
    )


SUMMARY_NOTE = (
    "\n---\n**Truncated:** GitHub keeps at most 1 MiB of a job summary. The whole "
    "plan is the `plan.json` artifact of this run; the step's log has it as text.\n"
)


def plan_markdown(plan: Plan, wording: Wording, budget: int | None) -> str:
    """A plan in Markdown, shortened by its own renderer to `budget` characters."""
    if budget is None:
        return render_markdown(plan, max_chars=SUMMARY_LIMIT, wording=wording)
    return render_markdown(plan, max_chars=max(budget - _MARGIN, 2_000), wording=wording)


def run_link(run_url: str | None) -> str:
    return f"[this run]({run_url})" if run_url else "this run"


def plan_failed_text(run_url: str | None) -> str:
    where = run_link(run_url)
    return f"`reconcile plan` failed or did not finish; see the plan step's log in {where}."


def missing_plan_text(part: PlanPart, run_url: str | None, *, pull_request: bool) -> str:
    """What stands in for the live plan when there is none."""
    if part.missing is Missing.INVALID_CONFIG:
        return "Not computed: `environments.yaml` must validate first."
    if part.missing is Missing.FORK:
        return (
            "Not computed: pull requests from forks get no credentials. A maintainer sees "
            "the live plan after merge, or by pushing the branch to this repository."
        )
    if part.missing is Missing.NO_CREDENTIALS:
        who = "this pull request's run" if pull_request else "this run"
        return (
            f"Not computed: the plan step did not run, so {who} had no credentials for "
            f"live state; see {run_link(run_url)}."
        )
    text = plan_failed_text(run_url)
    return f"{text} ({part.detail})" if part.detail else text
