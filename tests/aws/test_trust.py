"""Table-driven tests of the pure trust-policy evaluation."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from reconciler.aws.trust import (
    Statement,
    TrustPolicyError,
    admits,
    excess_subjects,
    like,
    parse_policy,
    provider_arn,
)
from reconciler.model.subjects import default_template


def environment_subject(owner: str, repo: str, environment: str) -> str:
    return f"repo:{owner}/{repo}:environment:{environment}"


def probe_subjects(allowed: list[tuple[str, str, str]]) -> tuple[str, ...]:
    """What the planner probes a trust with, for (owner, repo, environment)
    triples under GitHub's default subject template."""
    found = {p for owner, repo, env in allowed for p in default_template(owner, repo).probes(env)}
    return tuple(sorted(found))


ACCOUNT = "333333333333"
PROVIDER = provider_arn(ACCOUNT)
OWNER = "Alpha-Swarm-ai"
PLATFORM = environment_subject(OWNER, "alphaswarm_platform", "prod")
ADMIN = environment_subject(OWNER, "alphaswarm_admin", "prod")
AUD = "token.actions.githubusercontent.com:aud"
SUB = "token.actions.githubusercontent.com:sub"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(
    condition: dict[str, Any] | None = None,
    *,
    principal: Any = None,
    action: Any = "sts:AssumeRoleWithWebIdentity",
    effect: str = "Allow",
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": effect,
        "Principal": {"Federated": PROVIDER} if principal is None else principal,
        "Action": action,
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def exact(*subjects: str) -> dict[str, Any]:
    return {"StringEquals": {AUD: "sts.amazonaws.com", SUB: list(subjects)}}


def parsed(doc: dict[str, Any]) -> tuple[Statement, ...]:
    return parse_policy(doc)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("repo:o/r:*", "repo:o/r:environment:prod", True),
        ("repo:o/r:environment:pro?", "repo:o/r:environment:prod", True),
        ("repo:o/r:environment:pro?", "repo:o/r:environment:pr", False),
        ("repo:o/r:environment:prod", "repo:o/r:environment:Prod", False),  # case-sensitive
        ("repo:o/r.x", "repo:o/rax", False),  # regex metacharacters are literal
        ("repo:o/[r]", "repo:o/[r]", True),
        ("*", "", True),
    ],
)
def test_like_is_iam_wildcard_matching(pattern: str, value: str, expected: bool) -> None:
    assert like(pattern, value) is expected


ADMITS_CASES: list[tuple[str, dict[str, Any], str, bool]] = [
    ("exact subject", policy(allow(exact(PLATFORM))), PLATFORM, True),
    ("other subject only", policy(allow(exact(ADMIN))), PLATFORM, False),
    ("list of subjects", policy(allow(exact(ADMIN, PLATFORM))), PLATFORM, True),
    (
        "single string values",
        policy(allow({"StringEquals": {AUD: "sts.amazonaws.com", SUB: PLATFORM}})),
        PLATFORM,
        True,
    ),
    (
        "StringLike wildcard",
        policy(
            allow(
                {
                    "StringEquals": {AUD: "sts.amazonaws.com"},
                    "StringLike": {SUB: f"repo:{OWNER}/*"},
                }
            )
        ),
        PLATFORM,
        True,
    ),
    (
        "wrong audience",
        policy(allow({"StringEquals": {AUD: "sigstore", SUB: PLATFORM}})),
        PLATFORM,
        False,
    ),
    (
        "no audience condition admits any audience",
        policy(allow({"StringEquals": {SUB: PLATFORM}})),
        PLATFORM,
        True,
    ),
    (
        "condition keys are case-insensitive",
        policy(
            allow(
                {
                    "StringEquals": {
                        "Token.Actions.GitHubUserContent.com:AUD": "sts.amazonaws.com",
                        "TOKEN.actions.githubusercontent.com:Sub": PLATFORM,
                    }
                }
            )
        ),
        PLATFORM,
        True,
    ),
    (
        "values are case-sensitive",
        policy(allow(exact(PLATFORM.upper()))),
        PLATFORM,
        False,
    ),
    (
        "ForAnyValue:StringLike",
        policy(
            allow(
                {
                    "StringEquals": {AUD: "sts.amazonaws.com"},
                    "ForAnyValue:StringLike": {SUB: ["repo:nope/*", f"repo:{OWNER}/alpha?warm_*"]},
                }
            )
        ),
        PLATFORM,
        True,
    ),
    (
        "ForAnyValue:StringEquals",
        policy(
            allow({"ForAnyValue:StringEquals": {SUB: [ADMIN, PLATFORM], AUD: "sts.amazonaws.com"}})
        ),
        PLATFORM,
        True,
    ),
    (
        "federated principal as a list",
        policy(
            allow(
                exact(PLATFORM),
                principal={"Federated": ["arn:aws:iam::1:saml-provider/x", PROVIDER]},
            )
        ),
        PLATFORM,
        True,
    ),
    (
        "provider of another account",
        policy(allow(exact(PLATFORM), principal={"Federated": provider_arn("111111111111")})),
        PLATFORM,
        False,
    ),
    (
        "AWS principal is not federated",
        policy(allow(exact(PLATFORM), principal={"AWS": "arn:aws:iam::333333333333:root"})),
        PLATFORM,
        False,
    ),
    ("principal star", policy(allow(exact(PLATFORM), principal="*")), PLATFORM, True),
    (
        "action list",
        policy(allow(exact(PLATFORM), action=["sts:TagSession", "sts:AssumeRoleWithWebIdentity"])),
        PLATFORM,
        True,
    ),
    ("action wildcard", policy(allow(exact(PLATFORM), action="sts:*")), PLATFORM, True),
    (
        "action case-insensitive",
        policy(allow(exact(PLATFORM), action="STS:assumerolewithwebidentity")),
        PLATFORM,
        True,
    ),
    (
        "plain AssumeRole only",
        policy(allow(exact(PLATFORM), action="sts:AssumeRole")),
        PLATFORM,
        False,
    ),
    (
        "Deny wins",
        policy(allow(exact(PLATFORM)), allow(exact(PLATFORM), effect="Deny")),
        PLATFORM,
        False,
    ),
    (
        "StringNotEquals excludes",
        policy(allow({"StringLike": {SUB: f"repo:{OWNER}/*"}, "StringNotEquals": {SUB: PLATFORM}})),
        PLATFORM,
        False,
    ),
    ("single statement object", {"Statement": allow(exact(PLATFORM))}, PLATFORM, True),
    ("no statements", policy(), PLATFORM, False),
]


@pytest.mark.parametrize(
    ("doc", "subject", "expected"),
    [case[1:] for case in ADMITS_CASES],
    ids=[case[0] for case in ADMITS_CASES],
)
def test_admits(doc: dict[str, Any], subject: str, expected: bool) -> None:
    assert admits(parsed(doc), PROVIDER, subject) is expected


def test_parse_accepts_json_text_and_url_encoded_text() -> None:
    doc = policy(allow(exact(PLATFORM)))
    text = json.dumps(doc)
    assert parse_policy(text) == parse_policy(doc) == parse_policy(quote(text))


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        "[1, 2]",
        json.dumps({"Statement": "x"}),
        json.dumps({"Statement": [{"Effect": "Maybe"}]}),
        json.dumps({"Statement": [{"Effect": "Allow", "Action": {"a": 1}}]}),
        json.dumps({"Statement": [{"Effect": "Allow", "Action": "x", "Condition": []}]}),
    ],
)
def test_parse_rejects_malformed_documents(bad: str) -> None:
    with pytest.raises(TrustPolicyError):
        parse_policy(bad)


ALLOWED = (PLATFORM, ADMIN)
PAIRS = [(OWNER, "alphaswarm_platform", "prod"), (OWNER, "alphaswarm_admin", "prod")]

EXCESS_CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("exactly the managed subjects", policy(allow(exact(PLATFORM, ADMIN))), set()),
    ("a subset is not broader", policy(allow(exact(PLATFORM))), set()),
    (
        "owner wildcard",
        policy(
            allow(
                {"StringLike": {SUB: f"repo:{OWNER}/*"}, "StringEquals": {AUD: "sts.amazonaws.com"}}
            )
        ),
        {f"repo:{OWNER}/*"},
    ),
    (
        "another repository of the owner",
        policy(allow(exact(PLATFORM, ADMIN, environment_subject(OWNER, "website", "prod")))),
        {environment_subject(OWNER, "website", "prod")},
    ),
    (
        "another environment",
        policy(
            allow(exact(PLATFORM, ADMIN, environment_subject(OWNER, "alphaswarm_admin", "dev")))
        ),
        {environment_subject(OWNER, "alphaswarm_admin", "dev")},
    ),
    (
        "a branch",
        policy(allow(exact(PLATFORM, f"repo:{OWNER}/alphaswarm_admin:ref:refs/heads/main"))),
        {f"repo:{OWNER}/alphaswarm_admin:ref:refs/heads/main"},
    ),
    (
        "pull requests",
        policy(allow(exact(PLATFORM, f"repo:{OWNER}/alphaswarm_admin:pull_request"))),
        {f"repo:{OWNER}/alphaswarm_admin:pull_request"},
    ),
    (
        "any ref of a repository",
        policy(allow({"StringLike": {SUB: f"repo:{OWNER}/alphaswarm_admin:*"}})),
        {f"repo:{OWNER}/alphaswarm_admin:*"},
    ),
    (
        "one-character wildcard in the environment",
        policy(allow({"StringLike": {SUB: f"repo:{OWNER}/alphaswarm_admin:environment:pro?"}})),
        {f"repo:{OWNER}/alphaswarm_admin:environment:pro?"},
    ),
    (
        "trailing star after the exact subject",
        policy(allow({"StringLike": {SUB: f"{ADMIN}*"}})),
        {f"{ADMIN}*"},
    ),
    (
        "no subject condition at all",
        policy(allow({"StringEquals": {AUD: "sts.amazonaws.com"}})),
        # every probe: any repository of any owner could assume it
        set(probe_subjects(PAIRS)),
    ),
    (
        "wildcard narrowed by a Deny is not broader",
        policy(
            allow({"StringLike": {SUB: f"repo:{OWNER}/*"}}),
            allow({"StringNotEquals": {SUB: [PLATFORM, ADMIN]}}, effect="Deny"),
        ),
        set(),
    ),
    (
        "another provider's wildcard does not count",
        policy(
            allow({"StringLike": {SUB: "*"}}, principal={"Federated": provider_arn("111111111111")})
        ),
        set(),
    ),
]


@pytest.mark.parametrize(
    ("doc", "expected"),
    [case[1:] for case in EXCESS_CASES],
    ids=[case[0] for case in EXCESS_CASES],
)
def test_excess_subjects(doc: dict[str, Any], expected: set[str]) -> None:
    got = excess_subjects(parsed(doc), PROVIDER, ALLOWED, probe_subjects(PAIRS))
    if not expected:
        assert got == ()
    # Wildcards also show up as the probe subjects they admit; the written
    # pattern itself must be named so the message points at the policy text.
    assert expected <= set(got)
    assert not set(got) & set(ALLOWED)
    assert list(got) == sorted(got)


def test_owner_wildcard_admits_branches_pull_requests_and_other_repositories() -> None:
    doc = policy(allow({"StringLike": {SUB: f"repo:{OWNER}/*"}}))
    got = set(excess_subjects(parsed(doc), PROVIDER, ALLOWED, probe_subjects(PAIRS)))
    assert f"repo:{OWNER}/alphaswarm_admin:pull_request" in got
    assert f"repo:{OWNER}/alphaswarm_admin:ref:refs/heads/main" in got
    assert environment_subject(OWNER, "reconcile-probe", "prod") in got
    # ...but not another owner's repositories
    assert environment_subject("reconcile-probe-owner", "alphaswarm_admin", "prod") not in got


def test_probes_cover_every_kind_of_foreign_subject() -> None:
    probes = probe_subjects([(OWNER, "alphaswarm_admin", "prod")])
    assert any(p.startswith(f"repo:{OWNER}/") and "alphaswarm_admin" not in p for p in probes)
    assert any(":environment:" in p and not p.endswith(":prod") for p in probes)
    assert f"repo:{OWNER}/alphaswarm_admin:ref:refs/heads/main" in probes
    assert f"repo:{OWNER}/alphaswarm_admin:pull_request" in probes
    assert any(":ref:refs/tags/" in p for p in probes)
    assert any(not p.startswith(f"repo:{OWNER}/") for p in probes)
    assert ADMIN not in probes
