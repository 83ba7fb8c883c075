"""Table-driven tests of subject templates and of one role's trust judged against them."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.aws.targets import RoleTarget, Usage
from reconciler.aws.trust import parse_policy
from reconciler.aws.trust_check import judge_trust
from reconciler.model.subjects import SubjectTemplate, environment_context

from .test_trust import ACCOUNT, OWNER, allow, exact, policy

REPO = "alphaswarm_platform"
FULL = f"{OWNER}/{REPO}"
ROLE = RoleTarget(ACCOUNT, "aqp-gha-plan")
OWNER_ID, REPO_ID = 4101, 9202
IDS = ("repository_owner_id", "repository_id", "context")


def _template(keys: tuple[str, ...] | None = None, **facts: Any) -> SubjectTemplate:
    return SubjectTemplate(OWNER, REPO, claim_keys=keys, origin="repository", **facts)


SUBJECT_CASES: list[tuple[str, SubjectTemplate, str, str | None]] = [
    ("default", _template(), "environment:prod", f"repo:{FULL}:environment:prod"),
    ("default, pull request", _template(), "pull_request", f"repo:{FULL}:pull_request"),
    (
        "immutable default",
        _template(immutable=True, owner_id=OWNER_ID, repo_id=REPO_ID),
        "environment:prod",
        f"repo:{OWNER}@{OWNER_ID}/{REPO}@{REPO_ID}:environment:prod",
    ),
    (
        "repo + context is the default",
        _template(("repo", "context")),
        "pull_request",
        f"repo:{FULL}:pull_request",
    ),
    (
        "owner id, repository id, context",
        _template(IDS, owner_id=OWNER_ID, repo_id=REPO_ID),
        "environment:prod",
        f"repository_owner_id:{OWNER_ID}:repository_id:{REPO_ID}:environment:prod",
    ),
    (
        "ids for a pull request",
        _template(IDS, owner_id=OWNER_ID, repo_id=REPO_ID),
        "pull_request",
        f"repository_owner_id:{OWNER_ID}:repository_id:{REPO_ID}:pull_request",
    ),
    (
        "environment and owner (GitHub's documented example)",
        _template(("environment", "repository_owner")),
        environment_context("production:eastus"),
        f"environment:production%3Aeastus:repository_owner:{OWNER}",
    ),
    ("environment claim outside an environment", _template(("environment",)), "pull_request", None),
    ("ids unknown", _template(IDS), "environment:prod", None),
    ("run-time claim", _template(("repo", "context", "ref")), "environment:prod", None),
]


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [c[1:] for c in SUBJECT_CASES],
    ids=[c[0] for c in SUBJECT_CASES],
)
def test_subject_of_a_job(template: SubjectTemplate, context: str, expected: str | None) -> None:
    assert template.subject(context) == expected


def _use(env: str = "prod", approvals: int = 2, also: tuple[str, ...] = ()) -> Usage:
    return Usage(OWNER, REPO, env, "AWS_PLAN_ROLE_ARN", approvals, also)


def _judge(doc: dict[str, Any], uses: list[Usage], template: SubjectTemplate | None = None):
    subjects = {FULL.lower(): template} if template is not None else {}
    return sorted(
        (v.severity, v.code) for v in judge_trust(parse_policy(doc), ACCOUNT, ROLE, uses, subjects)
    )


PROD = f"repo:{FULL}:environment:prod"
PR = f"repo:{FULL}:pull_request"
IDS_TEMPLATE = _template(IDS, owner_id=OWNER_ID, repo_id=REPO_ID)
IDS_PROD = f"repository_owner_id:{OWNER_ID}:repository_id:{REPO_ID}:environment:prod"
IDS_PR = f"repository_owner_id:{OWNER_ID}:repository_id:{REPO_ID}:pull_request"

JUDGE_CASES: list[tuple[str, dict[str, Any], list[Usage], SubjectTemplate | None, list[Any]]] = [
    ("exact trust", policy(allow(exact(PROD))), [_use()], None, []),
    (
        "pull request undeclared: error on 4-eyes",
        policy(allow(exact(PROD, PR))),
        [_use()],
        None,
        [("error", "aws.trust_too_broad")],
    ),
    (
        "pull request undeclared: warning with one approval",
        policy(allow(exact(PROD, PR))),
        [_use(approvals=1)],
        None,
        [("warning", "aws.trust_too_broad")],
    ),
    (
        "pull request declared",
        policy(allow(exact(PROD, PR))),
        [_use(also=("pull_request",))],
        None,
        [],
    ),
    (
        "declared, but a branch beyond it",
        policy(allow(exact(PROD, PR, f"repo:{FULL}:ref:refs/heads/main"))),
        [_use(also=("pull_request",))],
        None,
        [("error", "aws.trust_too_broad")],
    ),
    (
        "declared, but a wildcard beyond it",
        policy(
            allow(
                {
                    "StringLike": {
                        "token.actions.githubusercontent.com:sub": f"repo:{FULL}:*",
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    }
                }
            )
        ),
        [_use(also=("pull_request",))],
        None,
        [("error", "aws.trust_too_broad")],
    ),
    (
        "declared but not trusted is fine (allowed, not required)",
        policy(allow(exact(PROD))),
        [_use(also=("pull_request",))],
        None,
        [],
    ),
    (
        "custom template, trust spelled for it",
        policy(allow(exact(IDS_PROD, IDS_PR))),
        [_use(also=("pull_request",))],
        IDS_TEMPLATE,
        [],
    ),
    (
        "custom template, trust spelled the default way",
        policy(allow(exact(PROD))),
        [_use()],
        IDS_TEMPLATE,
        [("error", "aws.trust_mismatch")],
    ),
    (
        "custom template, undeclared pull request",
        policy(allow(exact(IDS_PROD, IDS_PR))),
        [_use()],
        IDS_TEMPLATE,
        [("error", "aws.trust_too_broad")],
    ),
    (
        "custom template, another repository's id",
        policy(
            allow(
                exact(IDS_PROD, f"repository_owner_id:{OWNER_ID}:repository_id:1:environment:prod")
            )
        ),
        [_use()],
        IDS_TEMPLATE,
        [("error", "aws.trust_too_broad")],
    ),
    (
        "custom template, any repository of the owner",
        policy(
            allow(
                {
                    "StringLike": {
                        "token.actions.githubusercontent.com:sub": f"repository_owner_id:{OWNER_ID}:*",
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    }
                }
            )
        ),
        [_use()],
        IDS_TEMPLATE,
        [("error", "aws.trust_too_broad")],
    ),
    (
        "immutable subjects, trust spelled with the ids",
        policy(allow(exact(f"repo:{OWNER}@{OWNER_ID}/{REPO}@{REPO_ID}:environment:prod"))),
        [_use()],
        _template(immutable=True, owner_id=OWNER_ID, repo_id=REPO_ID),
        [],
    ),
    (
        "immutable subjects, trust still spelled with names",
        policy(allow(exact(PROD))),
        [_use()],
        _template(immutable=True, owner_id=OWNER_ID, repo_id=REPO_ID),
        [("error", "aws.trust_mismatch")],
    ),
    (
        "run-time claim in the template",
        policy(allow(exact(PROD))),
        [_use()],
        _template(("repo", "context", "job_workflow_ref")),
        [("warning", "aws.subject_unpredictable")],
    ),
]


@pytest.mark.parametrize(
    ("doc", "uses", "template", "expected"),
    [c[1:] for c in JUDGE_CASES],
    ids=[c[0] for c in JUDGE_CASES],
)
def test_judge_trust(
    doc: dict[str, Any],
    uses: list[Usage],
    template: SubjectTemplate | None,
    expected: list[Any],
) -> None:
    assert _judge(doc, uses, template) == expected


def test_mismatch_names_the_subject_and_the_template() -> None:
    verdicts = judge_trust(
        parse_policy(policy(allow(exact(PROD)))),
        ACCOUNT,
        ROLE,
        [_use()],
        {FULL.lower(): IDS_TEMPLATE},
    )
    assert len(verdicts) == 1
    assert IDS_PROD in verdicts[0].message
    assert "repository's OIDC subject template (repository_owner_id, repository_id, context)" in (
        verdicts[0].message
    )
