"""observe_aws against moto in server mode, over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from aws_proxy import AwsFaultProxy

from reconciler.aws import observe_aws
from reconciler.aws.trust import provider_arn
from reconciler.model.desired import DesiredState
from reconciler.model.findings import Code
from reconciler.model.observed import AwsFacts
from reconciler.model.plan import Finding
from reconciler.sandbox.aws import AwsSandbox, sample_value

from .conftest import (
    ACCOUNTS,
    ENV_VAR,
    OWNER,
    PARAM_PATH,
    SECRET_ID,
    SSM_SECRET_PATH,
    build_desired,
)

PLATFORM = f"{OWNER}/alphaswarm_platform"
ADMIN = f"{OWNER}/alphaswarm_admin"
AUD = "token.actions.githubusercontent.com:aud"
SUB = "token.actions.githubusercontent.com:sub"


def codes_at(facts: AwsFacts) -> set[tuple[str, str | None, str | None, str]]:
    return {(f.code, f.repository, f.environment, f.severity) for f in facts.findings}


def only(facts: AwsFacts, code: str) -> list[Finding]:
    return [f for f in facts.findings if f.code == code]


def trust(account: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn(account)},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }
        ],
    }


def test_seeded_accounts_have_no_findings_and_resolve_values(
    seeded: AwsSandbox, desired: DesiredState
) -> None:
    facts = observe_aws(desired)

    assert facts.findings == ()
    for account in ACCOUNTS.values():
        key = f"ssm_parameter:{PARAM_PATH}@{account}"
        assert facts.parameter_values[key] == sample_value(PARAM_PATH)
        assert isinstance(
            facts.source_changed_at[f"ssm_parameter:{SSM_SECRET_PATH}@{account}"], datetime
        )
    assert isinstance(
        facts.source_changed_at[f"aws_secret:{SECRET_ID}@{ACCOUNTS['prod']}"], datetime
    )
    # An env source can only be checked for presence.
    assert facts.source_changed_at[f"env:{ENV_VAR}"] is None


def test_missing_role_is_an_error_for_every_environment_using_it(
    seeded: AwsSandbox, desired: DesiredState
) -> None:
    seeded.delete_role(ACCOUNTS["prod"], "aqp-gha-apply")

    facts = observe_aws(desired)

    assert codes_at(facts) == {
        ("aws.role_missing", PLATFORM, "prod", "error"),
        ("aws.role_missing", ADMIN, "prod", "error"),
    }
    message = only(facts, "aws.role_missing")[0].message
    assert "aqp-gha-apply" in message
    assert ACCOUNTS["prod"] in message


def test_trust_for_another_repository_is_a_mismatch_and_too_broad(
    seeded: AwsSandbox, desired: DesiredState
) -> None:
    prod = ACCOUNTS["prod"]
    other = f"repo:{OWNER}/website:environment:prod"
    seeded.set_trust_policy(
        prod, "aqp-gha-apply", trust(prod, {"StringEquals": {AUD: "sts.amazonaws.com", SUB: other}})
    )

    facts = observe_aws(desired)

    assert codes_at(facts) == {
        ("aws.trust_mismatch", PLATFORM, "prod", "error"),
        ("aws.trust_mismatch", ADMIN, "prod", "error"),
        ("aws.trust_too_broad", PLATFORM, "prod", "error"),
        ("aws.trust_too_broad", ADMIN, "prod", "error"),
    }
    mismatch = next(f for f in only(facts, "aws.trust_mismatch") if f.repository == ADMIN)
    assert f"repo:{ADMIN}:environment:prod" in mismatch.message
    assert prod in mismatch.message
    assert other in only(facts, "aws.trust_too_broad")[0].message


@pytest.mark.parametrize(
    ("env", "expected"),
    [("dev", None), ("staging", "warning"), ("prod", "error")],
)
def test_owner_wildcard_trust_severity_follows_required_approvals(
    seeded: AwsSandbox, desired: DesiredState, env: str, expected: str | None
) -> None:
    account = ACCOUNTS[env]
    seeded.set_trust_policy(
        account,
        "aqp-gha-apply",
        trust(
            account,
            {"StringEquals": {AUD: "sts.amazonaws.com"}, "StringLike": {SUB: f"repo:{OWNER}/*"}},
        ),
    )

    facts = observe_aws(desired)

    # The wildcard still admits the managed subjects: no mismatch.
    assert not only(facts, "aws.trust_mismatch")
    broad = only(facts, "aws.trust_too_broad")
    if expected is None:
        assert broad == []
    else:
        assert {(f.repository, f.environment, f.severity) for f in broad} == {
            (PLATFORM, env, expected),
            (ADMIN, env, expected),
        }
        assert f"repo:{OWNER}/*" in broad[0].message


def test_missing_oidc_provider(seeded: AwsSandbox, desired: DesiredState) -> None:
    seeded.delete_oidc_provider(ACCOUNTS["staging"])

    facts = observe_aws(desired)

    assert codes_at(facts) == {
        ("aws.oidc_provider_missing", PLATFORM, "staging", "error"),
        ("aws.oidc_provider_missing", ADMIN, "staging", "error"),
    }
    assert provider_arn(ACCOUNTS["staging"]) in facts.findings[0].message


def test_provider_without_sts_audience(aws: AwsSandbox, desired: DesiredState) -> None:
    dev = ACCOUNTS["dev"]
    aws.create_oidc_provider(dev, audiences=("sigstore",))
    aws.seed(desired)

    facts = observe_aws(desired)

    assert {(f.code, f.environment) for f in facts.findings} == {
        ("aws.oidc_audience_missing", "dev")
    }


def test_without_read_role_another_account_is_a_mismatch_naming_both(aws: AwsSandbox) -> None:
    desired = build_desired(read_role=None)
    aws.seed(desired)

    facts = observe_aws(desired)

    mismatches = only(facts, "aws.account_mismatch")
    # The repository-level secret source in prod is affected too.
    assert {(f.repository, f.environment) for f in mismatches} == {
        (repo, env) for repo in (PLATFORM, ADMIN) for env in ACCOUNTS
    } | {(ADMIN, None)}
    assert {f.code for f in facts.findings} == {"aws.account_mismatch"}
    prod = next(f for f in mismatches if f.environment == "prod")
    assert ACCOUNTS["prod"] in prod.message
    assert aws.default_account in prod.message
    # Values in those accounts are unknown to the diff, not missing.
    assert facts.unreadable_accounts == frozenset(ACCOUNTS.values()) - {aws.default_account}
    assert facts.unavailable is None


def test_without_read_role_the_callers_own_account_is_read(aws: AwsSandbox) -> None:
    own = {"dev": aws.default_account}
    desired = build_desired(read_role=None, accounts=own)
    aws.seed(desired)

    facts = observe_aws(desired)

    assert facts.findings == ()
    assert facts.parameter_values[f"ssm_parameter:{PARAM_PATH}@{aws.default_account}"]


@pytest.fixture
def proxy(aws_reachable: AwsSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsFaultProxy]:
    """A proxy in front of moto that records every call (and answers errors when told)."""
    with AwsFaultProxy(aws_reachable.endpoint_url) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL", running.url)
        yield running


def _deny(proxy: AwsFaultProxy, operation: str, code: str = "AccessDenied") -> None:
    """Every call of `operation` answered with an AWS error instead of by moto."""
    proxy.operation, proxy.code, proxy.remaining = operation, code, 10_000


def test_access_denied_on_get_role_names_account_and_role(
    seeded: AwsSandbox, desired: DesiredState, proxy: AwsFaultProxy
) -> None:
    _deny(proxy, "GetRole")
    facts = observe_aws(desired)

    denied = only(facts, "aws.access_denied")
    assert {(f.repository, f.environment) for f in denied} == {
        (repo, env) for repo in (PLATFORM, ADMIN) for env in ACCOUNTS
    }
    prod = next(f for f in denied if f.environment == "prod")
    assert f"arn:aws:iam::{ACCOUNTS['prod']}:role/aqp-gha-apply" in prod.message
    assert {f.code for f in facts.findings} == {"aws.access_denied"}


def test_read_role_that_cannot_be_assumed_fails_that_accounts_checks(
    seeded: AwsSandbox, desired: DesiredState, proxy: AwsFaultProxy
) -> None:
    _deny(proxy, "AssumeRole")
    facts = observe_aws(desired)

    assert {f.code for f in facts.findings} == {"aws.access_denied"}
    message = next(f.message for f in facts.findings if f.environment == "dev")
    assert f"arn:aws:iam::{ACCOUNTS['dev']}:role/aqp-reconciler-read" in message
    # The env-var secret source needs no AWS and is still answered.
    assert facts.source_changed_at[f"env:{ENV_VAR}"] is None


def test_throttling_after_retries_is_a_finding(
    seeded: AwsSandbox, desired: DesiredState, proxy: AwsFaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Attempts as AWS's own variable bounds them: one, so no jittered backoff.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    _deny(proxy, "DescribeSecret", "Throttling")
    facts = observe_aws(desired)

    assert codes_at(facts) == {("aws.throttled", ADMIN, None, "error")}
    assert SECRET_ID in facts.findings[0].message


def test_missing_parameter_and_missing_secrets(seeded: AwsSandbox, desired: DesiredState) -> None:
    seeded.delete_parameter(ACCOUNTS["dev"], PARAM_PATH)
    seeded.delete_parameter(ACCOUNTS["staging"], SSM_SECRET_PATH)
    seeded.delete_secret(ACCOUNTS["prod"], SECRET_ID)

    facts = observe_aws(desired)

    assert codes_at(facts) == {
        ("aws.parameter_missing", PLATFORM, "dev", "error"),
        ("aws.parameter_missing", ADMIN, "dev", "error"),
        ("aws.secret_missing", PLATFORM, "staging", "error"),
        ("aws.secret_missing", ADMIN, "staging", "error"),
        ("aws.secret_missing", ADMIN, None, "error"),
    }
    assert f"ssm_parameter:{PARAM_PATH}@{ACCOUNTS['dev']}" not in facts.parameter_values
    assert f"aws_secret:{SECRET_ID}@{ACCOUNTS['prod']}" not in facts.source_changed_at


def test_unset_env_source_is_reported_without_aws(
    seeded: AwsSandbox, desired: DesiredState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VAR)

    facts = observe_aws(desired)

    assert codes_at(facts) == {("secret.source_missing", ADMIN, None, "error")}
    assert ENV_VAR in facts.findings[0].message


def test_secure_string_parameter_is_not_used_as_a_variable(
    seeded: AwsSandbox, desired: DesiredState
) -> None:
    seeded.put_parameter(ACCOUNTS["dev"], PARAM_PATH, "do-not-print-me", secure=True)

    facts = observe_aws(desired)

    assert {(f.code, f.environment) for f in facts.findings} == {("aws.parameter_secure", "dev")}
    assert all("do-not-print-me" not in f.message for f in facts.findings)
    assert f"ssm_parameter:{PARAM_PATH}@{ACCOUNTS['dev']}" not in facts.parameter_values


def test_literal_role_arn_values_are_checked_in_their_own_account(aws: AwsSandbox) -> None:
    arn = f"arn:aws:iam::{ACCOUNTS['staging']}:role/deploy/legacy-deployer"
    desired = build_desired(extra_env_variables={"LEGACY_ROLE_ARN": arn})
    aws.seed(desired)  # seeds the role, trusting the environments that use it
    assert observe_aws(desired).findings == ()

    aws.delete_role(ACCOUNTS["staging"], "legacy-deployer")
    facts = observe_aws(desired)

    assert {(f.code, f.environment) for f in facts.findings} == {
        ("aws.role_missing", "dev"),
        ("aws.role_missing", "staging"),
        ("aws.role_missing", "prod"),
    }
    assert all(ACCOUNTS["staging"] in f.message for f in facts.findings)


def test_rotation_moves_the_source_change_time(seeded: AwsSandbox, desired: DesiredState) -> None:
    key = f"aws_secret:{SECRET_ID}@{ACCOUNTS['prod']}"
    before = observe_aws(desired).source_changed_at[key]
    time.sleep(1.05)  # moto keeps LastChangedDate in whole seconds

    seeded.put_secret_value(ACCOUNTS["prod"], SECRET_ID, "rotated")

    after = observe_aws(desired).source_changed_at[key]
    assert before is not None and after is not None
    assert after > before
    assert seeded.secret_value(ACCOUNTS["prod"], SECRET_ID) == "rotated"


READ_ONLY_PREFIXES = ("Get", "List", "Describe", "AssumeRole")


def test_plan_time_observation_makes_no_mutating_call(
    seeded: AwsSandbox, desired: DesiredState, proxy: AwsFaultProxy
) -> None:
    observe_aws(desired)
    calls = proxy.calls

    operations = {c.split(":", 1)[1] for c in calls}
    assert operations  # the hook saw the calls
    assert all(op.startswith(READ_ONLY_PREFIXES) for op in operations), sorted(operations)
    # Secret values are never read at plan time.
    assert "GetSecretValue" not in operations
    # One role lookup per distinct role and one provider listing per account.
    assert calls.count("iam:GetRole") == len(ACCOUNTS)
    assert calls.count("iam:ListOpenIDConnectProviders") == len(ACCOUNTS)
    assert calls.count("sts:AssumeRole") == len(ACCOUNTS)


def test_no_credentials_is_one_finding(aws: AwsSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    facts = observe_aws(build_desired())

    assert facts.unavailable is not None and "credentials" in facts.unavailable
    assert [(f.severity, f.code) for f in facts.findings] == [("error", "aws.unavailable")]
    assert "\n" not in facts.findings[0].message
    assert not facts.readable(ACCOUNTS["dev"]) and not facts.readable(None)
    assert facts.parameter_values == {}


def test_every_emitted_code_is_declared(seeded: AwsSandbox, desired: DesiredState) -> None:
    seeded.delete_role(ACCOUNTS["dev"], "aqp-gha-apply")
    seeded.delete_oidc_provider(ACCOUNTS["staging"])
    seeded.delete_secret(ACCOUNTS["prod"], SECRET_ID)
    facts = observe_aws(desired)
    assert facts.findings
    assert all(isinstance(f.code, Code) for f in facts.findings)
    assert all(f.code.startswith(("aws.", "secret.")) for f in facts.findings)
