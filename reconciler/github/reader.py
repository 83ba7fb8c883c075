"""Read what GitHub holds for the managed repositories (never writes).

Cost of one repository with E environments, C of them with custom branch
policies, when every list fits one page: 3 + 2*E + C requests. Nothing else:
no GET of the repository, no per-item GETs (the list answers carry all we use).
The one exception: an environment whose list entry lacks `can_admins_bypass`
(a field GitHub's OpenAPI description leaves out) is read once more on its
own, and where that answer lacks it too the value stays unknown.

Apply's verification reads again only what it wrote (`reread_repository`).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from reconciler.github.connection import GitHubConnection
from reconciler.github.errors import GitHubError, RepositoryNotFound
from reconciler.github.rest import get_json, interpreting, paginate, repo_path, segment
from reconciler.model.desired import DesiredState
from reconciler.model.observed import (
    BranchPolicyType,
    ObservedBranchPolicy,
    ObservedEnvironment,
    ObservedRepository,
    ObservedReviewer,
    ObservedSecret,
    ObservedVariable,
)
from reconciler.model.progress import Tracker, quiet

# GitHub's documented page maxima: variables 30, the other lists 100.
VARIABLES_PER_PAGE = 30
PER_PAGE = 100

_MANAGED_RULES = frozenset({"required_reviewers", "wait_timer", "branch_policy"})


def timestamp(value: Any) -> datetime | None:
    """A GitHub time (`2026-01-31T04:00:00Z`); None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _named(
    conn: GitHubConnection, path: str, where: str, kind: str, *, per_page: int, permission: str
) -> dict[str, Any]:
    """A variables or secrets list by name; each item has at least its name."""
    items = paginate(
        conn,
        path,
        per_page=per_page,
        item_key=kind,
        action=f"listing {kind} of {where}",
        permission=permission,
        fields=("name",),
    )
    return {str(item["name"]): item for item in items}


def _variables(conn: GitHubConnection, path: str, where: str) -> dict[str, ObservedVariable]:
    listed = _named(
        conn, path, where, "variables", per_page=VARIABLES_PER_PAGE, permission="Variables: read"
    )
    return {
        name: ObservedVariable(name, str(v.get("value", "")), timestamp(v.get("updated_at")))
        for name, v in listed.items()
    }


def _secrets(conn: GitHubConnection, path: str, where: str) -> dict[str, ObservedSecret]:
    listed = _named(conn, path, where, "secrets", per_page=PER_PAGE, permission="Secrets: read")
    return {
        name: ObservedSecret(name, timestamp(s.get("updated_at"))) for name, s in listed.items()
    }


def _reviewers(rule: Mapping[str, Any]) -> tuple[ObservedReviewer, ...]:
    found = []
    for entry in rule.get("reviewers") or []:
        who = entry.get("reviewer") or {}
        if entry.get("type") == "Team":
            found.append(ObservedReviewer("team", int(who["id"]), str(who.get("slug", ""))))
        elif entry.get("type") == "User":
            found.append(ObservedReviewer("user", int(who["id"]), str(who.get("login", ""))))
    return tuple(found)


def _branch_policy_type(raw: Any) -> BranchPolicyType:
    if not isinstance(raw, dict):
        return "all"
    if raw.get("custom_branch_policies"):
        return "custom"
    if raw.get("protected_branches"):
        return "protected"
    return "all"


def _branch_policies(
    conn: GitHubConnection, env_path: str, where: str
) -> tuple[ObservedBranchPolicy, ...]:
    items = paginate(
        conn,
        f"{env_path}/deployment-branch-policies",
        per_page=PER_PAGE,
        item_key="branch_policies",
        action=f"listing deployment branch policies of {where}",
        permission="Administration: read",
        fields=("id", "name"),
    )
    policies = []
    for p in items:
        kind: Literal["branch", "tag"] = "tag" if p.get("type") == "tag" else "branch"
        policies.append(ObservedBranchPolicy(int(p["id"]), kind, str(p["name"])))
    return tuple(policies)


def _admins_bypass(conn: GitHubConnection, env_path: str, where: str, raw: Any) -> bool | None:
    value = raw.get("can_admins_bypass")
    if isinstance(value, bool):
        return value
    single = get_json(
        conn,
        env_path,
        action=f"reading {where}",
        permission="Actions: read (or Administration: read)",
    )
    value = single.get("can_admins_bypass") if isinstance(single, dict) else None
    return value if isinstance(value, bool) else None


def _settings(conn: GitHubConnection, base: str, full: str, raw: Any) -> ObservedEnvironment:
    """An environment's own settings from its list entry; no lists of its contents."""
    name = str(raw["name"])
    env_path = f"{base}/environments/{segment(name)}"
    reviewers: tuple[ObservedReviewer, ...] = ()
    prevent_self_review = False
    wait_timer = 0
    other: list[str] = []
    with interpreting(f"listing environments of {full}"):
        for rule in raw.get("protection_rules") or []:
            kind = str(rule.get("type", ""))
            if kind == "required_reviewers":
                reviewers = _reviewers(rule)
                prevent_self_review = bool(rule.get("prevent_self_review", False))
            elif kind == "wait_timer":
                wait_timer = int(rule.get("wait_timer") or 0)
            if kind not in _MANAGED_RULES:
                other.append(kind)
    return ObservedEnvironment(
        name=name,
        reviewers=reviewers,
        prevent_self_review=prevent_self_review,
        wait_timer=wait_timer,
        branch_policy=_branch_policy_type(raw.get("deployment_branch_policy")),
        other_rules=tuple(other),
        can_admins_bypass=_admins_bypass(conn, env_path, f"environment {name} of {full}", raw),
    )


def _environment(conn: GitHubConnection, base: str, full: str, raw: Any) -> ObservedEnvironment:
    env = _settings(conn, base, full, raw)
    return _with_contents(conn, base, full, env, Rereads.everything(env.name))


def _with_contents(
    conn: GitHubConnection,
    base: str,
    full: str,
    env: ObservedEnvironment,
    parts: Rereads,
    *,
    before: ObservedEnvironment | None = None,
) -> ObservedEnvironment:
    """`env` with its policies, variables and secrets: read where `parts` says, else kept."""
    key = env.name.lower()
    where = f"environment {env.name} of {full}"
    env_path = f"{base}/environments/{segment(env.name)}"
    policies: tuple[ObservedBranchPolicy, ...] = ()
    if env.branch_policy == "custom":
        if key in parts.branch_policies:
            policies = _branch_policies(conn, env_path, where)
        elif before is not None:
            policies = before.branch_policies
    return replace(
        env,
        branch_policies=policies,
        variables=(
            _variables(conn, f"{env_path}/variables", where)
            if key in parts.variables
            else (before.variables if before else {})
        ),
        secrets=(
            _secrets(conn, f"{env_path}/secrets", where)
            if key in parts.secrets
            else (before.secrets if before else {})
        ),
    )


def _environment_list(conn: GitHubConnection, base: str, full: str) -> list[Any]:
    try:
        return list(
            paginate(
                conn,
                f"{base}/environments",
                per_page=PER_PAGE,
                item_key="environments",
                action=f"listing environments of {full}",
                permission="Actions: read (or Administration: read)",
                fields=("name",),
            )
        )
    except GitHubError as exc:
        if exc.status == 404:
            raise RepositoryNotFound(full) from None
        raise


def observe_repository(conn: GitHubConnection, owner: str, name: str) -> ObservedRepository:
    full = f"{owner}/{name}"
    base = repo_path(full)
    environments = _environment_list(conn, base, full)
    observed = {str(e["name"]): _environment(conn, base, full, e) for e in environments}
    return ObservedRepository(
        full_name=full,
        environments=observed,
        variables=_variables(conn, f"{base}/actions/variables", full),
        secrets=_secrets(conn, f"{base}/actions/secrets", full),
    )


@dataclass(frozen=True)
class Rereads:
    """What to read again of one repository (apply's verification: what it wrote).

    Sets hold folded environment names; "" stands for the repository itself.
    """

    environments: bool = False  # the environment list, with each one's settings
    variables: frozenset[str] = frozenset()
    secrets: frozenset[str] = frozenset()
    branch_policies: frozenset[str] = frozenset()

    @classmethod
    def everything(cls, env: str) -> Rereads:
        names = frozenset({env.lower()})
        return cls(True, names, names, names)


def reread_repository(
    conn: GitHubConnection, before: ObservedRepository, parts: Rereads
) -> ObservedRepository:
    """`before` with the parts in `parts` read again from GitHub; the rest kept as it was."""
    full = before.full_name
    base = repo_path(full)
    if parts.environments:
        settings = [_settings(conn, base, full, e) for e in _environment_list(conn, base, full)]
    else:
        settings = list(before.environments.values())
    environments = {
        env.name: _with_contents(conn, base, full, env, parts, before=before.environment(env.name))
        for env in settings
    }
    return ObservedRepository(
        full_name=full,
        environments=environments,
        variables=(
            _variables(conn, f"{base}/actions/variables", full)
            if "" in parts.variables
            else before.variables
        ),
        secrets=(
            _secrets(conn, f"{base}/actions/secrets", full)
            if "" in parts.secrets
            else before.secrets
        ),
    )


@dataclass(frozen=True)
class _Listed:
    """One repository after its environment list: the rest of its reads under way."""

    full_name: str
    environments: list[tuple[str, Future[ObservedEnvironment]]]
    variables: Future[dict[str, ObservedVariable]]
    secrets: Future[dict[str, ObservedSecret]]

    def gathered(self) -> ObservedRepository:
        return ObservedRepository(
            full_name=self.full_name,
            environments={name: future.result() for name, future in self.environments},
            variables=self.variables.result(),
            secrets=self.secrets.result(),
        )


def _list_then_fan_out(
    pool: ThreadPoolExecutor, conn: GitHubConnection, owner: str, name: str
) -> _Listed:
    """Read the environment list, then queue the repository's other reads as tasks
    of their own: only the list must come first, so one repository's 3 + 2*E + C
    requests are not one worker's sequence (a plan of a few repositories would
    keep most workers idle). No task waits for another, so the pool cannot stall."""
    full = f"{owner}/{name}"
    base = repo_path(full)
    listed = _environment_list(conn, base, full)
    return _Listed(
        full_name=full,
        environments=[
            (str(e["name"]), pool.submit(_environment, conn, base, full, e)) for e in listed
        ],
        variables=pool.submit(_variables, conn, f"{base}/actions/variables", full),
        secrets=pool.submit(_secrets, conn, f"{base}/actions/secrets", full),
    )


def observe_github(
    conn: GitHubConnection, desired: DesiredState, concurrency: int = 8, track: Tracker = quiet
) -> dict[str, ObservedRepository]:
    """Every managed repository, keyed by folded full name (as ObservedState wants).

    The same requests as `observe_repository` for each, `concurrency` at a time;
    an error is raised for the first repository (in the config's order) that has one.
    """
    repositories = desired.repositories
    if not repositories:
        return {}
    read = track("Reading GitHub repositories", len(repositories))

    def gathered(future: Future[_Listed]) -> ObservedRepository:
        observed = future.result().gathered()
        read()
        return observed

    workers = max(1, min(concurrency, len(repositories) * 3))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="github-read") as pool:
        listed = [
            pool.submit(_list_then_fan_out, pool, conn, r.owner, r.name) for r in repositories
        ]
        results = [gathered(future) for future in listed]
    return {r.full_name.lower(): r for r in results}
