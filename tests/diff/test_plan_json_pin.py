"""The plan JSON is a contract (docs/plan-format.md): this pins it byte for byte.

One plan with every kind of change the diff makes (each resource, each action,
reasons, sensitive values), a finding of each origin and an unmanaged item is
rendered and compared with a stored file. A change to the golden file is a
change to the contract and needs a reason in its commit.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from reconciler.diff import diff
from reconciler.diff.review import desired_diff
from reconciler.model.desired import (
    AwsSecretSource,
    BranchPattern,
    DesiredSecret,
    DesiredState,
    EnvSecretSource,
    SecretSource,
    SsmSecretSource,
)
from reconciler.model.observed import (
    ObservedBranchPolicy,
    ObservedSecret,
    ObservedState,
    ObservedVariable,
)
from reconciler.model.payloads import SecretSourcePayload, secret_from_json
from reconciler.model.plan import Change, Plan, Resource

from .builders import (
    REPO,
    base_state,
    environment,
    replace_desired_environment,
    replace_desired_repository,
    team,
)
from .converged import (
    SECRET_WRITTEN_AT,
    SOURCE_CHANGED_AT,
    observed_from,
    replace_environment,
    replace_repository,
)

GOLDEN = Path(__file__).parent / "data" / "pinned-plan.json"


def _drifted(desired: DesiredState) -> ObservedState:
    observed = observed_from(desired)
    prod = observed.repositories[REPO.lower()].environment("prod")
    assert prod is not None  # test helper: the converged state has prod
    variables = dict(prod.variables)
    variables["EXTRA_FLAG"] = ObservedVariable("EXTRA_FLAG", "off")
    variables["STRAY"] = ObservedVariable("STRAY", "left over")
    secrets = dict(prod.secrets)
    secrets["OLD_KEY"] = ObservedSecret("OLD_KEY", SECRET_WRITTEN_AT)
    # Written before the source changed: a rotation to write again.
    secrets["DEPLOY_KEY"] = ObservedSecret("DEPLOY_KEY", SOURCE_CHANGED_AT - timedelta(days=1))
    observed = replace_environment(
        observed,
        REPO,
        "prod",
        wait_timer=0,
        prevent_self_review=False,
        variables=variables,
        secrets=secrets,
        branch_policies=(
            ObservedBranchPolicy(1, "branch", "main"),
            ObservedBranchPolicy(9, "branch", "dev/*"),
        ),
    )
    repo = observed.repositories[REPO.lower()]
    envs = dict(repo.environments)
    envs["legacy"] = replace(envs["dev"], name="legacy", variables={}, secrets={})
    return replace_repository(observed, REPO, environments=envs, variables={})


def pinned_plan() -> Plan:
    desired = base_state(prune=True)
    desired = replace_desired_environment(desired, "dev", reviewers=(team("nobody-knows"),))
    repo = desired.repositories[0]
    staging = environment(
        "staging",
        branch_patterns=(BranchPattern("branch", "release/*"),),
        variables={"MODE": "staging"},
        secrets={"TOKEN": DesiredSecret("TOKEN", EnvSecretSource("STAGING_TOKEN"))},
    )
    repo = replace(repo, environments=(*repo.environments, staging))
    desired = replace(desired, repositories=(repo,))
    plan = diff(desired, _drifted(base_state(prune=True)))
    # The offline review adds the one change the live diff cannot: a new source.
    token = DesiredSecret("PLATFORM_DISPATCH_TOKEN", EnvSecretSource("DISPATCH_TOKEN"))
    old = replace_desired_repository(base_state(), secrets={"PLATFORM_DISPATCH_TOKEN": token})
    moved = [c for c in desired_diff(old, desired).changes if c.reason == "source changed"]
    return Plan.build([*plan.changes, *moved], plan.findings, plan.unmanaged)


def test_the_plan_json_is_pinned_byte_for_byte() -> None:
    text = pinned_plan().dumps()
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_the_pinned_plan_reads_back_to_the_same_bytes() -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    assert Plan.from_json(json.loads(text)).dumps() == text


def test_the_pinned_plan_has_every_resource_and_action() -> None:
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    kinds = {(c["resource"], c["action"]) for c in doc["changes"]}
    assert {
        ("environment", "create"),
        ("environment", "update"),
        ("environment", "delete"),
        ("variable", "create"),
        ("variable", "update"),
        ("variable", "delete"),
        ("secret", "update"),
        ("secret", "delete"),
        ("repository_variable", "create"),
        ("repository_secret", "update"),
        ("branch_policy", "create"),
        ("branch_policy", "delete"),
    } <= kinds
    assert doc["findings"]


def test_a_wrong_field_is_named_by_its_type_in_a_change_and_in_its_payload_alike() -> None:
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    index = next(
        i for i, c in enumerate(doc["changes"]) if c["resource"] == "secret" and c["after"]
    )
    leaked = "tampered-secret-text"
    messages = []
    for where in ("change", "payload"):
        tampered = json.loads(json.dumps(doc))
        change = tampered["changes"][index]
        if where == "change":
            change["name"] = [leaked]
        else:
            change["after"]["source"] = [leaked]
        with pytest.raises(ValueError) as caught:
            Plan.from_json(tampered)
        messages.append(str(caught.value))
    assert messages == [
        f"changes[{index}].name is a list, expected a string",
        f"changes[{index}].after.source is a list, expected a string",
    ]


@pytest.mark.parametrize(
    "source",
    [
        AwsSecretSource("app/key", None),
        AwsSecretSource("app/key", "333333333333"),
        # A Secrets Manager name may hold `@`; the account is only 12 digits after the last.
        AwsSecretSource("team@example/key", "333333333333"),
        AwsSecretSource("arn:aws:secretsmanager:eu-west-1:333333333333:secret:k-AbCdEf", None),
        SsmSecretSource("/alphaswarm/prod/token", "444444444444"),
        SsmSecretSource("/alphaswarm/prod/token", None),
        EnvSecretSource("DISPATCH_TOKEN"),
    ],
)
def test_a_secret_source_reads_back_from_its_plan_text(source: SecretSource) -> None:
    # A plan file holds the source as text; the applier needs it typed again.
    change = Change.create(
        Resource.SECRET,
        repository=REPO,
        environment="prod",
        name="TOKEN",
        after=SecretSourcePayload(source),
    )
    doc = json.loads(json.dumps(change.to_json()))
    assert doc["after"] == {"value": "(sensitive)", "source": source.describe()}
    assert Change.from_json(doc) == change


@pytest.mark.parametrize("text", ["vault:kv/token", "aws_secret:", "env"])
def test_a_source_of_no_known_kind_is_refused_in_one_sentence(text: str) -> None:
    doc = {"value": "(sensitive)", "source": text}
    with pytest.raises(
        ValueError, match=r"^changes\[0\]\.after\.source: .* is not a secret source"
    ):
        secret_from_json(doc, "changes[0].after")
