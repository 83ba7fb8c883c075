"""JSON bodies in the shapes of GitHub's schemas (simple-user, team, full-repository, ...)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from urllib.parse import quote

from reconciler.sandbox.github.state import (
    PERMISSION_ORDER,
    Account,
    Environment,
    Repo,
    Team,
    World,
    at_least,
)

JSON = dict[str, Any]


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"0:{kind}{ident}".encode()).decode("ascii")


def simple_user(base: str, account: Account) -> JSON:
    api = f"{base}/users/{account.login}"
    return {
        "login": account.login,
        "id": account.id,
        "node_id": node_id("User", account.id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{account.id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"https://github.com/{account.login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": account.type,
        "site_admin": False,
        "user_view_type": "public",
    }


def public_user(base: str, account: Account, *, private: bool = False) -> JSON:
    body = simple_user(base, account)
    body.update(
        {
            "name": account.login,
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": iso(account.created_at),
            "updated_at": iso(account.created_at),
        }
    )
    if private:
        body.update(
            {
                "user_view_type": "private",
                "private_gists": 0,
                "total_private_repos": 0,
                "owned_private_repos": 0,
                "disk_usage": 0,
                "collaborators": 0,
                "two_factor_authentication": True,
            }
        )
    return body


def organization(base: str, org: Account, *, with_plan: bool = False) -> JSON:
    """`with_plan`: GitHub shows the plan only to the organization's owners."""
    api = f"{base}/orgs/{org.login}"
    body: JSON = {
        "login": org.login,
        "id": org.id,
        "node_id": node_id("Organization", org.id),
        "url": api,
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events",
        "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues",
        "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org.id}?v=4",
        "description": None,
        "name": org.login,
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "html_url": f"https://github.com/{org.login}",
        "type": "Organization",
        "created_at": iso(org.created_at),
        "updated_at": iso(org.created_at),
        "archived_at": None,
    }
    if with_plan:
        body["plan"] = {
            "name": org.plan,
            "space": 976562499,
            "private_repos": 999999,
            "filled_seats": len(org.owners),
            "seats": max(len(org.owners), 5),
        }
    return body


def team(base: str, world: World, t: Team, permission: str = "pull") -> JSON:
    org = world.account(t.org)
    org_id = org.id if org else 0
    # GitHub's own team URLs use numeric ids; PyGithub follows them, so the server aliases them.
    api = f"{base}/organizations/{org_id}/team/{t.id}"
    return {
        "id": t.id,
        "node_id": node_id("Team", t.id),
        "url": api,
        "html_url": f"https://github.com/orgs/{t.org}/teams/{t.slug}",
        "name": t.name,
        "slug": t.slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": permission,
        "permissions": {p: at_least(permission, p) for p in PERMISSION_ORDER},
        "members_url": f"{api}/members{{/member}}",
        "repositories_url": f"{api}/repos",
        "type": "organization",
        "organization_id": org_id,
        "parent": _parent(base, world, t),
    }


def _parent(base: str, world: World, t: Team) -> JSON | None:
    lineage = world.lineage(t)
    if len(lineage) < 2:
        return None
    body = team(base, world, lineage[1])
    for key in ("permissions", "parent", "organization_id", "notification_setting"):
        body.pop(key, None)
    return body


def team_full(base: str, world: World, t: Team) -> JSON:
    body = team(base, world, t)
    del body["permissions"]
    org = world.account(t.org)
    org_body = organization(base, org) if org else {}
    body.update(
        {
            "members_count": len(t.members),
            "repos_count": len(t.repos),
            "created_at": iso(t.created_at),
            "updated_at": iso(t.created_at),
            "organization": org_body,
        }
    )
    return body


_REPO_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def repository(base: str, world: World, repo: Repo, permission: str | None) -> JSON:
    api = f"{base}/repos/{repo.full_name}"
    owner = world.account(repo.owner)
    created = iso(repo.created_at)
    body: JSON = {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": simple_user(base, owner) if owner else None,
        "private": repo.visibility != "public",
        "visibility": repo.visibility,
        "html_url": f"https://github.com/{repo.full_name}",
        "description": None,
        "fork": False,
        "url": api,
        "git_url": f"git://github.com/{repo.full_name}.git",
        "ssh_url": f"git@github.com:{repo.full_name}.git",
        "clone_url": f"https://github.com/{repo.full_name}.git",
        "svn_url": f"https://github.com/{repo.full_name}",
        "mirror_url": None,
        "homepage": None,
        "language": None,
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 0,
        "default_branch": "main",
        "open_issues": 0,
        "open_issues_count": 0,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": True,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "license": None,
        "pushed_at": created,
        "created_at": created,
        "updated_at": created,
        "network_count": 0,
        "subscribers_count": 0,
        "allow_forking": False,
        "web_commit_signoff_required": False,
    }
    body.update({key: api + suffix for key, suffix in _REPO_TEMPLATES.items()})
    if permission is not None:
        body["permissions"] = {p: at_least(permission, p) for p in reversed(PERMISSION_ORDER)}
    if owner is not None and owner.type == "Organization":
        body["organization"] = simple_user(base, owner)
    return body


def reviewer_entries(base: str, world: World, repo: Repo, env: Environment) -> list[JSON]:
    """An environment's required reviewers as GitHub lists them: {type, reviewer}."""
    entries: list[JSON] = []
    for reviewer in env.reviewers:
        if reviewer.type == "User":
            account = world.account_by_id(reviewer.id)
            if account is not None:
                entries.append({"type": "User", "reviewer": simple_user(base, account)})
        else:
            t = world.team_by_id(reviewer.id)
            if t is not None:
                perm = t.repos.get(repo.full_name.lower(), "pull")
                entries.append({"type": "Team", "reviewer": team(base, world, t, perm)})
    return entries


def environment(base: str, world: World, repo: Repo, env: Environment) -> JSON:
    rules: list[JSON] = []
    if env.wait_timer > 0:
        rid = env.rule_ids["wait_timer"]
        rules.append(
            {
                "id": rid,
                "node_id": node_id("Gate", rid),
                "type": "wait_timer",
                "wait_timer": env.wait_timer,
            }
        )
    if env.reviewers:
        rid = env.rule_ids["required_reviewers"]
        rules.append(
            {
                "id": rid,
                "node_id": node_id("Gate", rid),
                "prevent_self_review": env.prevent_self_review,
                "type": "required_reviewers",
                "reviewers": reviewer_entries(base, world, repo, env),
            }
        )
    if env.branch_policy is not None:
        rid = env.rule_ids["branch_policy"]
        rules.append({"id": rid, "node_id": node_id("Gate", rid), "type": "branch_policy"})
    quoted = quote(env.name, safe="")
    body: JSON = {
        "id": env.id,
        "node_id": node_id("Environment", env.id),
        "name": env.name,
        "url": f"{base}/repos/{repo.full_name}/environments/{quoted}",
        "html_url": (
            f"https://github.com/{repo.full_name}/deployments/activity_log"
            f"?environments_filter={quoted}"
        ),
        "created_at": iso(env.created_at),
        "updated_at": iso(env.updated_at),
        # Not in GitHub's OpenAPI description, but in its answers (emulator-fidelity.md).
        "can_admins_bypass": env.can_admins_bypass,
        "protection_rules": rules,
        "deployment_branch_policy": (
            None
            if env.branch_policy is None
            else {
                "protected_branches": env.branch_policy[0],
                "custom_branch_policies": env.branch_policy[1],
            }
        ),
    }
    if "can_admins_bypass" in world.legacy_environment_keys:
        del body["can_admins_bypass"]
    return body
