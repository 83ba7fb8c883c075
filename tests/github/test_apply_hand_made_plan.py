"""A plan carries what it writes: one built by hand, with no configuration and no
DesiredState anywhere, is applied against the emulator by the applier alone.

The applier gets the plan, GitHub as read (for GitHub's ids and what an update
leaves as it is) and a secret reader; every value it writes comes from a
change's payload, and a secret's value from the reader, asked with the source
the payload names, at the moment of the write.
"""

from __future__ import annotations

import json

from gh_support import FULL, OWNER, REPO, team_id, user_id

from reconciler.github import (
    GitHubConnection,
    GitHubWriter,
    observe_repository,
    resolve_identities,
)
from reconciler.model.desired import EnvSecretSource, Reviewer, SecretSource
from reconciler.model.observed import ObservedState
from reconciler.model.payloads import (
    BranchPolicyPayload,
    EnvironmentSettings,
    SecretSourcePayload,
    VariablePayload,
)
from reconciler.model.plan import Change, Plan, Resource
from reconciler.run.applier import Applier, ApplyReport
from reconciler.run.audit import AuditLog
from reconciler.sandbox.github import GitHubEmulator

# The value the secret reader hands over; it must reach GitHub and nothing else.
TOKEN_VALUE = "hand-made-plan-token-7f3a"


def _hand_made_plan() -> Plan:
    where = {"repository": FULL}
    return Plan.build(
        [
            Change.create(
                Resource.ENVIRONMENT,
                **where,
                environment="staging",
                name="staging",
                after=EnvironmentSettings(
                    reviewers=("team:platform",),
                    prevent_self_review=True,
                    wait_timer=3,
                    admins_bypass=False,
                    deployment_branch_policy="custom",
                ),
            ),
            Change.create(
                Resource.BRANCH_POLICY,
                **where,
                environment="staging",
                name="branch:main",
                after=BranchPolicyPayload("branch", "main"),
            ),
            Change.create(
                Resource.VARIABLE,
                **where,
                environment="staging",
                name="REGION",
                after=VariablePayload("eu-west-1"),
            ),
            Change.create(
                Resource.SECRET,
                **where,
                environment="staging",
                name="DEPLOY_TOKEN",
                after=SecretSourcePayload(EnvSecretSource("DEPLOY_TOKEN")),
            ),
            # Only the field that differs: the reviewer prod has stays.
            Change.update(
                Resource.ENVIRONMENT,
                **where,
                environment="prod",
                name="prod",
                before=EnvironmentSettings(wait_timer=0),
                after=EnvironmentSettings(wait_timer=10),
                reason="wait_timer 0 → 10",
            ),
            Change.delete(
                Resource.REPOSITORY_VARIABLE,
                **where,
                environment=None,
                name="OLD",
                before=VariablePayload("gone"),
                reason="not in environments.yaml (prune: true)",
            ),
        ]
    )


def _apply(conn: GitHubConnection, plan: Plan, read: list[SecretSource]) -> ApplyReport:
    reviewers = [Reviewer("team", "platform"), Reviewer("user", "octocat")]
    identities = resolve_identities(conn, OWNER, reviewers)
    observed = ObservedState(
        repositories={FULL: observe_repository(conn, OWNER, REPO)}, identities=identities
    )

    def read_secret(source: SecretSource) -> str:
        read.append(source)
        return TOKEN_VALUE

    applier = Applier(
        observed=observed,
        writer=GitHubWriter(conn),
        read_secret=read_secret,
        audit=AuditLog("deployer"),
    )
    with conn.pacer.gated(applier.gate):
        return applier.run(plan)


def test_a_plan_built_by_hand_is_applied_without_any_desired_state(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    team_id(emu, "platform", ("alice", "bob"))
    emu.grant_team(OWNER, "platform", OWNER, REPO)
    octocat = user_id(emu, "octocat")
    emu.add_collaborator(OWNER, REPO, "octocat")
    emu.put_environment(OWNER, REPO, "prod", reviewers=[("User", octocat)])
    emu.set_variable(OWNER, REPO, None, "OLD", "gone")
    plan = _hand_made_plan()
    # The plan as a file would hold it: no secret value, the source by name.
    text = plan.dumps()
    assert TOKEN_VALUE not in text
    assert '"source": "env:DEPLOY_TOKEN"' in text
    read: list[SecretSource] = []

    # Applied as read back from that text: the payloads are the whole order.
    report = _apply(conn, Plan.from_json(json.loads(text)), read)

    assert (report.failed, report.skipped, report.not_started) == ([], [], [])
    assert sorted(c.id for c in report.applied) == sorted(c.id for c in plan.changes)
    assert read == [EnvSecretSource("DEPLOY_TOKEN")]
    staging = emu.environment_json(OWNER, REPO, "staging")
    assert staging is not None and staging["can_admins_bypass"] is False
    assert staging["deployment_branch_policy"] == {
        "protected_branches": False,
        "custom_branch_policies": True,
    }
    rules = {rule["type"]: rule for rule in staging["protection_rules"]}
    assert rules["wait_timer"]["wait_timer"] == 3
    assert rules["required_reviewers"]["prevent_self_review"] is True
    assert [r["reviewer"]["slug"] for r in rules["required_reviewers"]["reviewers"]] == ["platform"]
    assert emu.branch_policies(OWNER, REPO, "staging") == [("branch", "main")]
    assert emu.variables(OWNER, REPO, "staging") == {"REGION": "eu-west-1"}
    assert emu.secret_value(OWNER, REPO, "staging", "DEPLOY_TOKEN") == TOKEN_VALUE
    assert "OLD" not in emu.variables(OWNER, REPO, None)
    prod = observe_repository(conn, OWNER, REPO).environment("prod")
    assert prod is not None and prod.wait_timer == 10
    assert [str(r) for r in prod.reviewers] == ["user:octocat"]


def test_an_update_of_an_environment_the_plan_did_not_read_is_refused(
    emu: GitHubEmulator, conn: GitHubConnection
) -> None:
    # An update names only what differs; without GitHub's copy the rest is unknown.
    plan = Plan.build(
        [
            Change.update(
                Resource.ENVIRONMENT,
                repository=FULL,
                environment="prod",
                name="prod",
                before=EnvironmentSettings(wait_timer=0),
                after=EnvironmentSettings(wait_timer=10),
                reason="wait_timer 0 → 10",
            )
        ]
    )

    report = _apply(conn, plan, [])

    assert [error for _, error in report.failed] == [
        f"{FULL}: environment 'prod' to update is not in the state the plan read"
    ]
    assert emu.environment_names(OWNER, REPO) == []
