"""The OIDC subject claim templates of repositories and organizations (read side).

GitHub's OpenAPI subset that the contract test uses leaves these operations
out; the answers follow GitHub's REST reference and what real repositories
report (`use_immutable_subject`, `sub_claim_prefix`; see
docs/emulator-fidelity.md).
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.github.http import Ctx, Reply, Route, not_found


def repository_subject(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    setting = repo.oidc
    owner = ctx.world.account(repo.owner)
    if setting.immutable and owner is not None:
        prefix = f"repo:{repo.owner}@{owner.id}/{repo.name}@{repo.id}"
    else:
        prefix = f"repo:{repo.owner}/{repo.name}"
    body: dict[str, Any] = {"use_default": setting.use_default}
    if setting.claim_keys is not None:
        body["include_claim_keys"] = list(setting.claim_keys)
    body["use_immutable_subject"] = setting.immutable
    body["sub_claim_prefix"] = prefix
    return Reply(200, body)


def organization_subject(ctx: Ctx) -> Reply:
    org = ctx.world.account(ctx.params["org"])
    if org is None or org.type != "Organization":
        raise not_found()
    return Reply(200, {"include_claim_keys": list(org.oidc_claim_keys or [])})


ROUTES = [
    Route("GET", "/repos/{owner}/{repo}/actions/oidc/customization/sub", repository_subject),
    Route("GET", "/orgs/{org}/actions/oidc/customization/sub", organization_subject),
]
