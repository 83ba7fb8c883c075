"""A sandbox started from another's snapshot (the `converged` fixture): the same
GitHub, copied, with the tokens it was seeded with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reconciler.sandbox.runner import Sandbox

from .helpers import ADMIN, OWNER, PLATFORM, CliRunner, SandboxFactory, plan_json


def test_a_sandbox_started_from_a_snapshot_holds_a_copy_and_plans_clean(
    cli: CliRunner, sandbox: Sandbox, make_sandbox: SandboxFactory
) -> None:
    assert cli("apply", "--yes").code == 0
    old = datetime.now(UTC) - timedelta(days=1)
    value = sandbox.github.secret_value(OWNER, ADMIN, None, "PLATFORM_DISPATCH_TOKEN")
    assert value is not None
    sandbox.github.set_secret(OWNER, ADMIN, None, "PLATFORM_DISPATCH_TOKEN", value, updated_at=old)
    snapshot = sandbox.snapshot()

    copy = make_sandbox(start_from=snapshot)
    assert copy.token == sandbox.token
    assert copy.github.url != sandbox.github.url
    assert copy.github.requests == []
    assert copy.github.variables(OWNER, PLATFORM, "prod") == sandbox.github.variables(
        OWNER, PLATFORM, "prod"
    )
    # Its secrets count as written after prepare() wrote their sources again.
    result = cli("plan", "--format", "json", "--detailed-exitcode")
    assert (result.code, plan_json(result.out)["changes"]) == (0, []), result.out + result.err

    # A copy: what one sandbox changes, the snapshot and the others never see.
    copy.github.delete_environment(OWNER, PLATFORM, "staging")
    assert "staging" in sandbox.github.environment_names(OWNER, PLATFORM)
    again = make_sandbox(start_from=snapshot)
    assert "staging" in again.github.environment_names(OWNER, PLATFORM)
