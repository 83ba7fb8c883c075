"""Which GitHub plan governs a repository's environments: its visibility and owner's plan.

Asked only for repositories the plan would write an environment to: one GET
of the repository each, and one GET of its organization per run (the plan is
shown to organization owners only; for anyone else it stays unknown).
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.github.calls import expect, repo_path, segment, send
from reconciler.github.connection import GitHubConnection
from reconciler.model.observed import RepositoryBilling


def _organization_plan(conn: GitHubConnection, org: str) -> str | None:
    key = ("organization_plan", org.lower())
    with conn.memo_lock:
        if key in conn.memo:
            known: str | None = conn.memo[key]
            return known
    action = f"reading organization {org}"
    answer = send(conn, "GET", f"/orgs/{segment(org)}", action=action, permission="none")
    plan: str | None = None
    if answer.status not in (403, 404):
        data = expect(answer, 200, action=action, permission="none").data
        shown = data.get("plan") if isinstance(data, dict) else None
        if isinstance(shown, dict) and isinstance(shown.get("name"), str):
            plan = shown["name"]
    with conn.memo_lock:
        conn.memo[key] = plan
    return plan


def repository_billing(
    conn: GitHubConnection, full_names: Iterable[str]
) -> dict[str, RepositoryBilling]:
    """By folded full name; a repository GitHub does not show is left out."""
    found: dict[str, RepositoryBilling] = {}
    for full in sorted({name.lower(): name for name in full_names}.values(), key=str.lower):
        action = f"reading repository {full}"
        answer = send(conn, "GET", repo_path(full), action=action, permission="Metadata: read")
        if answer.status == 404:
            continue
        data = expect(answer, 200, action=action, permission="Metadata: read").data
        visibility = str(data.get("visibility") or ("private" if data.get("private") else "public"))
        owner = data.get("owner") or {}
        owner_type = str(owner.get("type") or "")
        plan = None
        if visibility != "public" and owner_type == "Organization":
            plan = _organization_plan(conn, str(owner.get("login") or full.partition("/")[0]))
        found[full.lower()] = RepositoryBilling(full, visibility, owner_type, plan)
    return found
