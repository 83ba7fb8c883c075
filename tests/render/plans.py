"""Small hand-made plans for renderer tests."""

from __future__ import annotations

from reconciler.model.desired import AwsSecretSource
from reconciler.model.payloads import (
    BranchPolicyPayload,
    EnvironmentSettings,
    SecretSourcePayload,
    VariablePayload,
)
from reconciler.model.plan import (
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
            Change.update(
                Resource.VARIABLE, repository=REPO, environment="prod",
                name="AWS_DEPLOYER_ROLE_ARN", before=VariablePayload(OLD_ARN),
                after=VariablePayload(NEW_ARN), reason="value differs",
            ),
            Change.create(
                Resource.ENVIRONMENT, repository=REPO, environment="staging", name="staging",
                after=EnvironmentSettings(
                    reviewers=("team:platform-approvers",), prevent_self_review=False,
                    wait_timer=0, deployment_branch_policy="all",
                ),
            ),
            Change.update(
                Resource.ENVIRONMENT, repository=REPO, environment="prod", name="prod",
                before=EnvironmentSettings(wait_timer=0),
                after=EnvironmentSettings(wait_timer=30), reason="wait_timer 0 → 30",
            ),
            Change.create(
                Resource.REPOSITORY_SECRET, repository=REPO, environment=None,
                name="PLATFORM_DISPATCH_TOKEN",
                after=SecretSourcePayload(AwsSecretSource("alphaswarm/token", None)),
            ),
            Change.delete(
                Resource.BRANCH_POLICY, repository=REPO, environment="prod", name="branch:dev/*",
                before=BranchPolicyPayload("branch", "dev/*"), reason="not in environments.yaml",
            ),
        ],
        [
            Finding(Severity.ERROR, "github.unknown_team", "reviewer team:x is unknown", REPO,
                    "prod"),
        ],
        [Unmanaged(Resource.VARIABLE, REPO, "prod", "STRAY")],
    )  # fmt: skip


def _change(action: str, resource: str, env: str | None, name: str, **sides: object) -> object:
    return {
        "action": action, "resource": resource, "repository": REPO, "environment": env,
        "name": name, "before": sides.get("before"), "after": sides.get("after"),
        "reason": str(sides.get("reason", "missing")),
    }  # fmt: skip


def leaky_plan() -> Plan:
    """A tampered plan file that carries secret values; renderers must not show them."""
    document = {
        "version": 1,
        "changes": [
            _change(
                "update", "secret", "prod", "DEPLOY_KEY",
                before={"value": LEAKED, "updated_at": "2024-01-01T00:00:00+00:00"},
                after={"value": LEAKED, "source": "aws_secret:app/key"}, reason="source changed",
            ),
            _change(
                "create", "repository_secret", None, "TOKEN",
                after={"value": LEAKED, "source": "env:TOKEN"},
            ),
            _change(
                "delete", "secret", "dev", "OLD", before={"value": LEAKED},
                reason="not in environments.yaml",
            ),
        ],
        "findings": [],
    }  # fmt: skip
    return Plan.from_json(document)


def big_plan(count: int) -> Plan:
    """`count` variable creates spread over three repositories, with some awkward values."""
    changes = [
        Change.create(
            Resource.VARIABLE, repository=f"Org/repo-{i % 3}", environment=f"env-{i % 7}",
            name=f"VARIABLE_{i:05d}",
            after=VariablePayload(f"value | with `ticks` and <b>{i}</b>"),
        )
        for i in range(count)
    ]  # fmt: skip
    findings = [
        Finding(Severity.WARNING, "github.extra_branch_policy", f"extra | `{i}`", "Org/repo-0")
        for i in range(50)
    ]
    return Plan.build(changes, findings)
