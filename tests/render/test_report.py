"""The report composer: one row per branch the workflows' shell had (invalid config,
plan failed, fork, no credentials, no drift, drift, approval violations, an
over-long plan), for the pull-request comment and the drift issue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from reconciler.model.payloads import VariablePayload
from reconciler.model.plan import Change, Finding, Plan, Resource, Severity
from reconciler.render.report import (
    COMMENT_LIMIT,
    SUMMARY_LIMIT,
    Missing,
    PlanPart,
    fit,
    nested,
    utf8_bytes,
)
from reconciler.render.report_approvals import ApprovalAudit
from reconciler.render.report_drift import (
    MARKER as DRIFT_MARKER,
)
from reconciler.render.report_drift import (
    ApprovalsPart,
    DriftInputs,
    IssueAction,
    drift_report,
)
from reconciler.render.report_pr import (
    BASE_INVALID,
    HEAD_INVALID,
    MARKER,
    NEW_FILE,
    DiffPart,
    PullRequestInputs,
    pull_request_report,
)

from .plans import REPO
from .reports import RUN_URL, SINCE, audit_json, deployment, long_plan

CHANGES_ONLY = Plan.build(
    [
        Change.update(
            Resource.VARIABLE,
            repository=REPO,
            environment="prod",
            name="AWS_REGION",
            before=VariablePayload("us-east-1"),
            after=VariablePayload("eu-west-1"),
            reason="value differs",
        )
    ],
    [],
    [],
)
WITH_ERROR = CHANGES_ONLY.with_findings(
    [Finding(Severity.ERROR, "github.unknown_team", "reviewer team:x is unknown", REPO, "prod")]
)
DIFF = DiffPart(plan=CHANGES_ONLY)
VALIDATION = ("environments.yaml:3:5: unknown key 'reviewer' (did you mean 'reviewers'?)",)


@dataclass(frozen=True)
class PrCase:
    id: str
    inputs: PullRequestInputs
    shows: tuple[str, ...]
    hides: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()


def pr(plan: PlanPart, diff: DiffPart = DIFF, **kw: object) -> PullRequestInputs:
    return PullRequestInputs(
        validation=kw.pop("validation", ()),  # type: ignore[arg-type]
        diff=diff,
        plan=plan,
        run_url=RUN_URL,
        sha="3f2c1e0d",
        **kw,  # type: ignore[arg-type]
    )


PR_CASES = [
    PrCase(
        "invalid config",
        pr(PlanPart(missing=Missing.INVALID_CONFIG), DiffPart(reason=HEAD_INVALID),
           validation=VALIDATION),
        shows=("### environments.yaml does not validate", "```text\n" + VALIDATION[0] + "\n```",
               HEAD_INVALID, "must validate first"),
        failures=("Invalid environments.yaml",),
    ),
    PrCase(
        "plan failed",
        pr(PlanPart(missing=Missing.FAILED, detail="plan.json: invalid JSON at line 1")),
        shows=("`reconcile plan` failed or did not finish", "plan.json: invalid JSON", RUN_URL),
        failures=("reconcile plan failed",),
    ),
    PrCase(
        "fork",
        pr(PlanPart(missing=Missing.FORK), fork=True),
        shows=("pull requests from forks get no credentials", "AWS_REGION"),
        hides=("does not validate",),
    ),
    PrCase(
        "fork with an invalid file",
        pr(PlanPart(missing=Missing.INVALID_CONFIG), DiffPart(reason=HEAD_INVALID), fork=True,
           validation=VALIDATION),
        shows=(HEAD_INVALID,),
        failures=("Invalid environments.yaml",),
    ),
    PrCase(
        "no credentials",
        pr(PlanPart(missing=Missing.NO_CREDENTIALS)),
        shows=("had no credentials for live state",),
        failures=("Plan did not run",),
    ),
    PrCase(
        "no drift",
        pr(PlanPart(plan=Plan())),
        shows=("No changes. GitHub matches environments.yaml.",),
    ),
    PrCase(
        "drift: changes alone pass",
        pr(PlanPart(plan=CHANGES_ONLY)),
        shows=("1 to update", "eu-west-1"),
    ),
    PrCase(
        "drift with an error finding",
        pr(PlanPart(plan=WITH_ERROR)),
        shows=("github.unknown_team",),
        failures=("Plan has errors",),
    ),
    PrCase(
        "a file new in this pull request",
        pr(PlanPart(plan=Plan()), DiffPart(plan=CHANGES_ONLY, new_file=True)),
        shows=(NEW_FILE, "AWS_REGION"),
    ),
    PrCase(
        "a base file that does not validate",
        pr(PlanPart(plan=Plan()), DiffPart(reason=BASE_INVALID)),
        shows=(BASE_INVALID,),
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", PR_CASES, ids=lambda c: c.id)
def test_pull_request_comment(case: PrCase) -> None:
    report = pull_request_report(case.inputs)
    body = report.body
    assert body.startswith(MARKER + "\n## reconcile: environments.yaml\n")
    assert f"For commit 3f2c1e0d ([run]({RUN_URL}))." in body
    assert body.index("### What this pull request changes") < body.index(
        "### What apply would do now"
    )
    for text in case.shows:
        assert text in body, text
    for text in case.hides:
        assert text not in body, text
    assert tuple(f.title for f in report.failures) == case.failures
    assert report.passes is not case.failures
    assert not report.truncated and report.summary == body


def test_the_changes_part_comes_before_the_plan() -> None:
    body = pull_request_report(pr(PlanPart(plan=WITH_ERROR))).body
    changes = body.index("### What this pull request changes")
    assert changes < body.index("eu-west-1") < body.index("### What apply would do now")


@pytest.mark.parametrize("where", ["diff", "plan", "both"])
def test_an_over_long_comment_is_cut_to_githubs_limit_with_a_note(where: str) -> None:
    big = long_plan()
    diff = DiffPart(plan=big if where in {"diff", "both"} else CHANGES_ONLY)
    plan = PlanPart(plan=big if where in {"plan", "both"} else Plan())
    report = pull_request_report(pr(plan, diff))
    assert report.truncated
    assert len(report.body) <= COMMENT_LIMIT
    assert len(report.body) > COMMENT_LIMIT * 0.8  # cut to fit, not emptied
    assert report.body.startswith(MARKER)
    assert report.body.rstrip().endswith(f"The whole report is in the job summary of {RUN_URL}.")
    assert "**Truncated:**" in report.body
    assert report.body.count("```") % 2 == 0
    assert report.body.count("<details>") == report.body.count("</details>")
    # Both headings survive the cut, so a reviewer sees where each part starts.
    assert "### What apply would do now" in report.body
    # The summary keeps everything.
    assert "SETTING_02999" in report.summary
    assert utf8_bytes(report.summary) <= SUMMARY_LIMIT
    assert report.failures == ()


def test_comment_just_at_the_limit_is_not_cut() -> None:
    text = "x" * (COMMENT_LIMIT - 1) + "\n"
    assert fit(text, COMMENT_LIMIT, "NOTE") == text


@pytest.mark.parametrize(
    "text,closes",
    [
        ("a\n```text\n" + "line\n" * 100, "```\n"),
        ("a\n````diff\n```\n" + "line\n" * 100, "````\n"),
        ("<details><summary>x</summary>\n\n" + "line\n" * 100, "</details>\n"),
    ],
    ids=["fence", "longer fence", "details"],
)
def test_a_cut_closes_what_it_leaves_open(text: str, closes: str) -> None:
    cut = fit(text, 60, "\nNOTE\n")
    assert len(cut) <= 60
    assert cut.endswith(closes + "\nNOTE\n")


def test_the_summary_is_measured_in_bytes() -> None:
    text = "é" * 40 + "\n"
    assert fit(text, 60, "!", measure=utf8_bytes) == "!"
    assert fit(text, 100, "!", measure=utf8_bytes) == text


# --- the drift issue -----------------------------------------------------------------

CHECKED = datetime(2025, 6, 3, 4, 19, tzinfo=UTC)
CLEAN = ApprovalsPart(audit=ApprovalAudit.from_json(audit_json(deployment("approved"))))
VIOLATED = ApprovalsPart(
    audit=ApprovalAudit.from_json(
        audit_json(deployment("approved", 1), deployment("bypassed", 2), deployment("pending", 3))
    )
)
AUDIT_FAILED = ApprovalsPart(problem="approvals.json is empty")


@dataclass(frozen=True)
class DriftCase:
    id: str
    plan: PlanPart
    approvals: ApprovalsPart | None
    action: IssueAction
    shows: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())


DRIFT_CASES = [
    DriftCase("no drift, no audit", PlanPart(plan=Plan()), None, IssueAction.CLOSE,
              ("No changes.",)),
    DriftCase("no drift, clean audit", PlanPart(plan=Plan()), CLEAN, IssueAction.CLOSE,
              ("None of the 1 deployment since",)),
    DriftCase("drift", PlanPart(plan=CHANGES_ONLY), CLEAN, IssueAction.OPEN,
              ("found drift between", "Review the plan", "eu-west-1"),
              warnings=("Environment drift",)),
    DriftCase("an error finding is drift", PlanPart(plan=WITH_ERROR), None, IssueAction.OPEN,
              ("github.unknown_team",), warnings=("Environment drift",)),
    DriftCase("approval violations without drift", PlanPart(plan=Plan()), VIOLATED,
              IssueAction.OPEN,
              ("deployments whose declared approval did not hold", "| ❌ bypassed |",
               "root-admin", "1 of 3 deployments since"),
              warnings=("Approval violations",)),
    DriftCase("plan failed, clean audit: cannot tell", PlanPart(missing=Missing.FAILED), CLEAN,
              IssueAction.LEAVE, ("`reconcile plan` failed",),
              failures=("reconcile plan failed",)),
    DriftCase("plan failed, violations: still open", PlanPart(missing=Missing.FAILED), VIOLATED,
              IssueAction.OPEN, ("`reconcile plan` failed", "| ❌ bypassed |"),
              failures=("reconcile plan failed",), warnings=("Approval violations",)),
    DriftCase("audit failed, no drift: cannot tell", PlanPart(plan=Plan()), AUDIT_FAILED,
              IssueAction.LEAVE, ("`reconcile approvals` failed", "approvals.json is empty"),
              failures=("reconcile approvals failed",)),
]  # fmt: skip


@pytest.mark.parametrize("case", DRIFT_CASES, ids=lambda c: c.id)
def test_drift_issue(case: DriftCase) -> None:
    report = drift_report(
        DriftInputs(plan=case.plan, approvals=case.approvals, run_url=RUN_URL, checked_at=CHECKED)
    )
    assert report.action is case.action
    assert report.body.startswith(DRIFT_MARKER + "\n")
    assert f"Last checked: 2025-06-03 04:19 UTC in [this run]({RUN_URL})." in report.body
    for text in case.shows:
        assert text in report.body, text
    assert tuple(f.title for f in report.failures) == case.failures
    assert tuple(w.title for w in report.warnings) == case.warnings
    assert report.summary.startswith("# Environment drift: ")
    assert (report.closing_comment != "") is (case.action is IssueAction.CLOSE)
    if case.action is IssueAction.CLOSE:
        assert RUN_URL in report.closing_comment and "Closing." in report.closing_comment


def test_the_violations_lead_the_approvals_table() -> None:
    body = drift_report(DriftInputs(plan=PlanPart(plan=Plan()), approvals=VIOLATED)).body
    assert (
        body.index("| ❌ bypassed |") < body.index("| ⏳ pending |") < body.index("| ✅ approved |")
    )


def test_the_closing_comment_names_both_halves() -> None:
    report = drift_report(DriftInputs(plan=PlanPart(plan=Plan()), approvals=CLEAN, run_url=RUN_URL))
    assert report.closing_comment == (
        f"The drift check in {RUN_URL} found no drift and no approval violation: GitHub and "
        "AWS match `environments.yaml` again, and none of the 1 deployment since "
        f"{SINCE} broke the declared approval. Closing."
    )


def test_an_over_long_issue_keeps_the_violations_in_view() -> None:
    many = [deployment("approved", i) for i in range(400)]
    audit = ApprovalAudit.from_json(audit_json(*many, deployment("self_approved", 999)))
    report = drift_report(
        DriftInputs(
            plan=PlanPart(plan=long_plan()), approvals=ApprovalsPart(audit=audit), run_url=RUN_URL
        )
    )
    assert report.truncated and len(report.body) <= COMMENT_LIMIT
    assert "| ❌ self_approved |" in report.body
    assert "more deployments not shown" in report.body
    assert report.body.rstrip().endswith(f"{RUN_URL}.")
    assert report.summary.count("| ✅ approved |") == 400


# --- the approvals contract ------------------------------------------------------------


def test_the_contract_is_read_field_by_field() -> None:
    row = deployment("self_approved", 4, approved_by=["alice"], detail="4-eyes")
    audit = ApprovalAudit.from_json(audit_json(row, findings=[{"severity": "error",
                                                               "code": "x", "message": "m"}]))  # fmt: skip
    (only,) = audit.deployments
    assert (only.verdict, only.approved_by, only.run_id, only.detail) == (
        "self_approved",
        ("alice",),
        7004,
        "4-eyes",
    )
    assert audit.violations == (only,) and audit.needs_attention
    assert [f.severity for f in audit.errors] == ["error"]


@pytest.mark.parametrize(
    "doc,says",
    [
        ([], "the document is not a JSON object"),
        ({"version": 2, "since": SINCE, "deployments": []}, "version is 2, not 1"),
        (audit_json({**deployment("approved"), "verdict": "waved_through"}), "unknown verdict"),
        (audit_json(deployment("approved", approved_by="bob")), "'approved_by' is not an array"),
        (audit_json(deployment("approved", deployment_id="1")), "'deployment_id' is not a whole"),
        ({"version": 1, "since": SINCE, "deployments": {}}, "must be arrays"),
    ],
)
def test_a_file_that_breaks_the_contract_is_refused_in_one_sentence(doc: object, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        ApprovalAudit.from_json(doc)


def test_the_plans_headings_sit_under_the_comments_and_the_diff_lines_stay() -> None:
    body = pull_request_report(pr(PlanPart(plan=CHANGES_ONLY))).body
    assert "\n#### reconcile plan\n" in body and "\n##### Changes\n" in body
    assert "\n#### reconcile diff: what environments.yaml changes\n" in body
    assert "\n# environment prod\n" in body  # inside the diff fence


def test_nested_leaves_fenced_lines_alone() -> None:
    text = "## A\n```diff\n# environment prod\n```\n### B\n"
    assert nested(text, 2) == "#### A\n```diff\n# environment prod\n```\n##### B\n"
