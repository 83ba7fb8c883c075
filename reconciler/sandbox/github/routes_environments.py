"""Environments, their deployment branch policies and custom protection rules."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.github import payloads
from reconciler.sandbox.github.crypto import KeyPair
from reconciler.sandbox.github.http import ApiError, Ctx, Reply, Route, not_found, unprocessable
from reconciler.sandbox.github.pagination import paginate
from reconciler.sandbox.github.state import (
    BranchPolicy,
    CustomRule,
    Environment,
    Repo,
    Reviewer,
    World,
)

ENV_KEYS = {
    "wait_timer",
    "prevent_self_review",
    "reviewers",
    "deployment_branch_policy",
    "can_admins_bypass",
}
# Named at all (even empty or 0), these need GitHub Enterprise on a private or
# internal repository (go-github's CreateUpdateEnvironment; see emulator-fidelity.md).
PLAN_GATED_KEYS = frozenset({"wait_timer", "prevent_self_review", "reviewers"})
BILLING_MESSAGE = (
    "Failed to create the environment protection rule. Please ensure the billing plan "
    "supports the required reviewers protection rule."
)
SELF_REVIEW_MESSAGE = (
    "Failed to create or update the environment protection rule. Required reviewers must "
    "have at least one reviewer to set prevent_self_review."
)
MAX_WAIT_TIMER = 43200
MAX_REVIEWERS = 6


def find_env(repo: Repo, name: str) -> Environment:
    env = repo.environments.get(name.lower())
    if env is None:
        raise not_found()
    return env


def reviewer_has_access(world: World, repo: Repo, reviewer: Reviewer) -> bool:
    """GitHub keeps only reviewers who can see the repository, silently dropping the rest."""
    if reviewer.type == "Team":
        team = world.team_by_id(reviewer.id)
        return team is not None and world.team_permission(team, repo) is not None
    account = world.account_by_id(reviewer.id)
    return account is not None and world.user_permission(repo, account.login) is not None


def _parse_reviewers(world: World, raw: Any) -> list[Reviewer]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise unprocessable("Invalid request.\n\nFor 'properties/reviewers', is not an array.")
    if len(raw) > MAX_REVIEWERS:
        raise unprocessable("Only 6 reviewers can be added to an environment.")
    out: list[Reviewer] = []
    for item in raw:
        kind = item.get("type") if isinstance(item, dict) else None
        ident = item.get("id") if isinstance(item, dict) else None
        if kind not in {"User", "Team"} or not isinstance(ident, int) or isinstance(ident, bool):
            raise unprocessable("Invalid request.\n\nReviewers must have a type and an id.")
        exists = world.account_by_id(ident) if kind == "User" else world.team_by_id(ident)
        if exists is None:
            raise unprocessable(f"Invalid request.\n\n{kind} with id {ident} was not found.")
        if not any(r.type == kind and r.id == ident for r in out):
            out.append(Reviewer(type=kind, id=ident))
    return out


def _parse_branch_policy(raw: Any) -> tuple[bool, bool] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"protected_branches", "custom_branch_policies"}:
        raise unprocessable(
            "Invalid request.\n\ndeployment_branch_policy needs protected_branches and "
            "custom_branch_policies."
        )
    protected, custom = raw["protected_branches"], raw["custom_branch_policies"]
    if not isinstance(protected, bool) or not isinstance(custom, bool):
        raise unprocessable("Invalid request.\n\nBranch policy settings must be booleans.")
    if protected == custom:
        raise unprocessable(
            "Invalid request.\n\nExactly one of protected_branches or custom_branch_policies "
            "must be true."
        )
    return protected, custom


def _rule_id(world: World, env: Environment, kind: str) -> None:
    if kind not in env.rule_ids:
        env.rule_ids[kind] = world.new_id()


def _check_plan(world: World, repo: Repo, body: dict[str, Any]) -> None:
    plan = world.plan_of(repo)
    if plan == "free":
        # GitHub Free has no environments on private repositories.
        raise not_found()
    if plan != "enterprise" and PLAN_GATED_KEYS & set(body):
        raise unprocessable(BILLING_MESSAGE)


def apply_settings(
    world: World, repo: Repo, name: str, body: dict[str, Any], *, check_plan: bool = True
) -> Environment:
    """Create or update an environment as PUT does.

    A key left out keeps the environment's current value (GitHub clears reviewers
    and the branch policy with null, the timer with 0), except can_admins_bypass,
    which goes back to true.
    """
    permitted = ENV_KEYS - world.legacy_environment_keys
    unknown = sorted(set(body) - permitted)
    if unknown:
        raise unprocessable(f'Invalid request.\n\n"{unknown[0]}" is not a permitted key.')
    if check_plan:
        _check_plan(world, repo, body)
    existing = repo.environments.get(name.lower())
    wait = body.get("wait_timer", existing.wait_timer if existing else 0)
    if wait is None:
        wait = 0
    if not isinstance(wait, int) or isinstance(wait, bool) or not 0 <= wait <= MAX_WAIT_TIMER:
        raise unprocessable("Invalid request.\n\nwait_timer must be an integer 0..43200.")
    if "reviewers" in body:
        reviewers = _parse_reviewers(world, body["reviewers"])
    else:
        reviewers = list(existing.reviewers) if existing else []
    prevent = body.get("prevent_self_review", False)
    if not isinstance(prevent, bool):
        raise unprocessable("Invalid request.\n\nprevent_self_review must be a boolean.")
    if prevent and not reviewers:
        # GitHub's own words (safe-settings #628; docs/emulator-fidelity.md).
        raise unprocessable(SELF_REVIEW_MESSAGE)
    if "prevent_self_review" not in body and existing is not None and reviewers:
        prevent = existing.prevent_self_review
    bypass = body.get("can_admins_bypass", True)
    if not isinstance(bypass, bool):
        raise unprocessable("Invalid request.\n\ncan_admins_bypass must be a boolean.")
    if "deployment_branch_policy" in body:
        policy = _parse_branch_policy(body["deployment_branch_policy"])
    else:
        policy = existing.branch_policy if existing else None
    # GitHub, "Managing environments for deployment", "Creating an environment"
    # (docs.github.com, Actions > Managing deployments): names are not case
    # sensitive (hence the folded keys) and may not exceed 255 characters.
    # docs/emulator-fidelity.md, "Variable and secret names".
    if not name or len(name) > 255:
        raise unprocessable("Invalid request.\n\nEnvironment name is invalid.")
    now = world.now()
    env = existing
    if env is None:
        env = Environment(
            id=world.new_id(), name=name, created_at=now, updated_at=now, keys=KeyPair()
        )
        repo.environments[name.lower()] = env
    env.updated_at = now
    env.wait_timer = wait
    env.reviewers = [r for r in reviewers if reviewer_has_access(world, repo, r)]
    env.prevent_self_review = prevent if env.reviewers else False
    env.branch_policy = policy
    env.can_admins_bypass = bypass
    if policy is None or not policy[1]:
        env.policies.clear()
    for kind in ("wait_timer", "required_reviewers", "branch_policy"):
        _rule_id(world, env, kind)
    return env


def list_environments(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    envs = sorted(repo.environments.values(), key=lambda e: e.name.lower())
    page, link = paginate(ctx, envs, 30, 100)
    body = {
        "total_count": len(envs),
        "environments": [payloads.environment(ctx.base, ctx.world, repo, e) for e in page],
    }
    return Reply(200, body, {"link": link} if link else {})


def get_environment(ctx: Ctx) -> Reply:
    repo = ctx.repo()
    env = find_env(repo, ctx.params["environment_name"])
    return Reply(200, payloads.environment(ctx.base, ctx.world, repo, env))


def put_environment(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    env = apply_settings(ctx.world, repo, ctx.params["environment_name"], ctx.json_object())
    return Reply(200, payloads.environment(ctx.base, ctx.world, repo, env))


def delete_environment(ctx: Ctx) -> Reply:
    repo = ctx.repo("admin")
    find_env(repo, ctx.params["environment_name"])
    del repo.environments[ctx.params["environment_name"].lower()]
    return Reply(204)


def _custom_env(ctx: Ctx, need: str) -> tuple[Repo, Environment]:
    repo = ctx.repo(need)
    env = find_env(repo, ctx.params["environment_name"])
    if env.branch_policy is None or not env.branch_policy[1]:
        raise not_found()
    return repo, env


def _policy_json(policy: BranchPolicy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "node_id": payloads.node_id("GateBranchPolicy", policy.id),
        "name": policy.name,
        "type": policy.type,
    }


def _find_policy(ctx: Ctx, env: Environment) -> BranchPolicy:
    try:
        policy = env.policies.get(int(ctx.params["branch_policy_id"]))
    except ValueError:
        policy = None
    if policy is None:
        raise not_found()
    return policy


def list_policies(ctx: Ctx) -> Reply:
    _, env = _custom_env(ctx, "pull")
    policies = sorted(env.policies.values(), key=lambda p: p.id)
    page, link = paginate(ctx, policies, 30, 100)
    body = {"total_count": len(policies), "branch_policies": [_policy_json(p) for p in page]}
    return Reply(200, body, {"link": link} if link else {})


def create_policy(ctx: Ctx) -> Reply:
    repo, env = _custom_env(ctx, "admin")
    body = ctx.json_object()
    name, kind = body.get("name"), body.get("type", "branch")
    if not isinstance(name, str) or not name or kind not in {"branch", "tag"}:
        raise unprocessable("Invalid request.\n\nname is required; type is branch or tag.")
    for policy in env.policies.values():
        if policy.name == name and policy.type == kind:
            location = (
                f"{ctx.base}/repos/{repo.full_name}/environments/{ctx.raw_segments[5]}"
                f"/deployment-branch-policies/{policy.id}"
            )
            raise ApiError(303, "See Other", headers={"location": location}, body=False)
    policy = BranchPolicy(id=ctx.world.new_id(), name=name, type=kind)
    env.policies[policy.id] = policy
    return Reply(200, _policy_json(policy))


def get_policy(ctx: Ctx) -> Reply:
    _, env = _custom_env(ctx, "pull")
    return Reply(200, _policy_json(_find_policy(ctx, env)))


def update_policy(ctx: Ctx) -> Reply:
    _, env = _custom_env(ctx, "admin")
    policy = _find_policy(ctx, env)
    name = ctx.json_object().get("name")
    if not isinstance(name, str) or not name:
        raise unprocessable("Invalid request.\n\nname is required.")
    policy.name = name
    return Reply(200, _policy_json(policy))


def delete_policy(ctx: Ctx) -> Reply:
    _, env = _custom_env(ctx, "admin")
    del env.policies[_find_policy(ctx, env).id]
    return Reply(204)


def _rule_json(ctx: Ctx, rule: CustomRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "node_id": payloads.node_id("DeploymentProtectionRule", rule.id),
        "enabled": True,
        "app": {
            "id": rule.integration_id,
            "slug": rule.slug,
            "integration_url": f"{ctx.base}/apps/{rule.slug}",
            "node_id": payloads.node_id("Integration", rule.integration_id),
        },
    }


def list_rules(ctx: Ctx) -> Reply:
    env = find_env(ctx.repo(), ctx.params["environment_name"])
    rules = sorted(env.custom_rules.values(), key=lambda r: r.id)
    body = {
        "total_count": len(rules),
        "custom_deployment_protection_rules": [_rule_json(ctx, r) for r in rules],
    }
    return Reply(200, body)


def create_rule(ctx: Ctx) -> Reply:
    env = find_env(ctx.repo("admin"), ctx.params["environment_name"])
    integration = ctx.json_object().get("integration_id")
    app = ctx.world.apps.get(integration) if isinstance(integration, int) else None
    if app is None:
        raise unprocessable("Invalid request.\n\nintegration_id is not a known app.")
    if any(r.integration_id == app.app_id for r in env.custom_rules.values()):
        raise unprocessable("Validation Failed: the app is already enabled for this environment.")
    rule = CustomRule(id=ctx.world.new_id(), integration_id=app.app_id, slug=app.slug)
    env.custom_rules[rule.id] = rule
    return Reply(201, _rule_json(ctx, rule))


def _find_rule(ctx: Ctx, env: Environment) -> CustomRule:
    try:
        rule = env.custom_rules.get(int(ctx.params["protection_rule_id"]))
    except ValueError:
        rule = None
    if rule is None:
        raise not_found()
    return rule


def get_rule(ctx: Ctx) -> Reply:
    env = find_env(ctx.repo(), ctx.params["environment_name"])
    return Reply(200, _rule_json(ctx, _find_rule(ctx, env)))


def delete_rule(ctx: Ctx) -> Reply:
    env = find_env(ctx.repo("admin"), ctx.params["environment_name"])
    del env.custom_rules[_find_rule(ctx, env).id]
    return Reply(204)


_ENV = "/repos/{owner}/{repo}/environments/{environment_name}"
ROUTES = [
    Route("GET", "/repos/{owner}/{repo}/environments", list_environments),
    Route("GET", _ENV, get_environment),
    Route("PUT", _ENV, put_environment),
    Route("DELETE", _ENV, delete_environment),
    Route("GET", _ENV + "/deployment-branch-policies", list_policies),
    Route("POST", _ENV + "/deployment-branch-policies", create_policy),
    Route("GET", _ENV + "/deployment-branch-policies/{branch_policy_id}", get_policy),
    Route("PUT", _ENV + "/deployment-branch-policies/{branch_policy_id}", update_policy),
    Route("DELETE", _ENV + "/deployment-branch-policies/{branch_policy_id}", delete_policy),
    Route("GET", _ENV + "/deployment_protection_rules", list_rules),
    Route("POST", _ENV + "/deployment_protection_rules", create_rule),
    Route("GET", _ENV + "/deployment_protection_rules/{protection_rule_id}", get_rule),
    Route("DELETE", _ENV + "/deployment_protection_rules/{protection_rule_id}", delete_rule),
]
