"""Small hand-made plans for renderer tests."""

from __future__ import annotations

from reconciler.model.plan import (
    SENSITIVE,
    Action,
    Change,
    Finding,
    Plan,
    Resource,
    Severity,
    Unmanaged,
)

REPO = "Alpha-Swarm-ai/alphaswarm_admin"
OLD_ARN = "arn:aws:iam::333333333333:role/old"
NEW_ARN = "arn:aws:iam::333333333333:role/aqp-gha-apply"
LEAKED = "ghp_THIS-MUST-NEVER-BE-PRINTED"


def small_plan() -> Plan:
    return Plan.build(
        [
            Change(
                Action.UPDATE, Resource.VARIABLE, REPO, "prod", "AWS_DEPLOYER_ROLE_ARN",
                {"value": OLD_ARN}, {"value": NEW_ARN}, "value differs",
            ),
            Change(
                Action.CREATE, Resource.ENVIRONMENT, REPO, "staging", "staging", None,
                {"reviewers": ["team:platform-approvers"], "prevent_self_review": False,
                 "wait_timer": 0, "deployment_branch_policy": "all"},
                "missing",
            ),
            Change(
                Action.UPDATE, Resource.ENVIRONMENT, REPO, "prod", "prod",
                {"wait_timer": 0}, {"wait_timer": 30}, "wait_timer 0 → 30",
            ),
            Change(
                Action.CREATE, Resource.REPOSITORY_SECRET, REPO, None, "PLATFORM_DISPATCH_TOKEN",
                None, {"value": SENSITIVE, "source": "aws_secret:alphaswarm/token"}, "missing",
            ),
            Change(
                Action.DELETE, Resource.BRANCH_POLICY, REPO, "prod", "branch:dev/*",
                {"type": "branch", "pattern": "dev/*"}, None, "not in environments.yaml",
            ),
        ],
        [
            Finding(Severity.ERROR, "github.unknown_team", "reviewer team:x is unknown", REPO,
                    "prod"),
        ],
        [Unmanaged(Resource.VARIABLE, REPO, "prod", "STRAY")],
    )  # fmt: skip


def leaky_plan() -> Plan:
    """A tampered plan file that carries secret values; renderers must not show them."""
    return Plan.build(
        [
            Change(
                Action.UPDATE, Resource.SECRET, REPO, "prod", "DEPLOY_KEY",
                {"value": LEAKED, "updated_at": "2024-01-01T00:00:00+00:00"},
                {"value": LEAKED, "source": "aws_secret:app/key"}, "source changed",
            ),
            Change(
                Action.CREATE, Resource.REPOSITORY_SECRET, REPO, None, "TOKEN", None,
                {"value": LEAKED, "source": "env:TOKEN"}, "missing",
            ),
            Change(
                Action.DELETE, Resource.SECRET, REPO, "dev", "OLD", {"value": LEAKED}, None,
                "not in environments.yaml",
            ),
        ]
    )  # fmt: skip


def big_plan(count: int) -> Plan:
    """`count` variable creates spread over three repositories, with some awkward values."""
    changes = [
        Change(
            Action.CREATE, Resource.VARIABLE, f"Org/repo-{i % 3}", f"env-{i % 7}",
            f"VARIABLE_{i:05d}", None, {"value": f"value | with `ticks` and <b>{i}</b>"},
            "missing",
        )
        for i in range(count)
    ]  # fmt: skip
    findings = [
        Finding(Severity.WARNING, "github.extra_branch_policy", f"extra | `{i}`", "Org/repo-0")
        for i in range(50)
    ]
    return Plan.build(changes, findings)
