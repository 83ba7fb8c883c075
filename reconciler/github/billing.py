"""Which GitHub plan governs a repository's environments: its visibility and owner's GitHub plan.

Asked only for repositories the plan would write an environment to. The
organization of the config is read first, once per run (its GitHub plan is shown to
organization owners only; for anyone else it stays unknown): on GitHub
Enterprise every environment rule is allowed whatever a repository's
visibility, so its repositories are not read at all. Otherwise each
repository is read once (its visibility and owner).
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.github.connection import GitHubConnection
from reconciler.github.rest import expect, interpreting, repo_path, segment, send
from reconciler.model.observed import RepositoryBilling, is_enterprise_github_plan


def _organization_github_plan(conn: GitHubConnection, org: str) -> str | None:
    key = ("organization_github_plan", org.lower())
    with conn.memo_lock:
        if key in conn.memo:
            known: str | None = conn.memo[key]
            return known
    action = f"reading organization {org}"
    answer = send(conn, "GET", f"/orgs/{segment(org)}", action=action, permission="none")
    github_plan: str | None = None
    if answer.status not in (403, 404):
        data = expect(answer, 200, action=action, permission="none").data
        shown = data.get("plan") if isinstance(data, dict) else None
        if isinstance(shown, dict) and isinstance(shown.get("name"), str):
            github_plan = shown["name"]
    with conn.memo_lock:
        conn.memo[key] = github_plan
    return github_plan


def repository_billing(
    conn: GitHubConnection, full_names: Iterable[str], owner: str | None = None
) -> dict[str, RepositoryBilling]:
    """By folded full name; a repository GitHub does not show is left out.

    `owner`: the config's owner, whose GitHub plan is read first (see the module).
    """
    found: dict[str, RepositoryBilling] = {}
    names = sorted({name.lower(): name for name in full_names}.values(), key=str.lower)
    org_github_plan = _organization_github_plan(conn, owner) if owner is not None else None
    if owner is not None and is_enterprise_github_plan(org_github_plan):
        # The visibility is not read: no visibility limits an Enterprise plan.
        for full in [n for n in names if n.partition("/")[0].lower() == owner.lower()]:
            found[full.lower()] = RepositoryBilling(full, "unread", "Organization", org_github_plan)
        names = [n for n in names if n.lower() not in found]
    for full in names:
        action = f"reading repository {full}"
        answer = send(conn, "GET", repo_path(full), action=action, permission="Metadata: read")
        if answer.status == 404:
            continue
        data = expect(answer, 200, action=action, permission="Metadata: read").data
        with interpreting(action):
            private = data.get("private")
            visibility = str(data.get("visibility") or ("private" if private else "public"))
            account = data.get("owner") or {}
            owner_type = str(account.get("type") or "")
            login = str(account.get("login") or full.partition("/")[0])
        github_plan = None
        if visibility != "public" and owner_type == "Organization":
            github_plan = _organization_github_plan(conn, login)
        found[full.lower()] = RepositoryBilling(full, visibility, owner_type, github_plan)
    return found
