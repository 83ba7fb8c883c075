"""Read which OIDC subject template each repository's jobs get (never writes).

Cost: one `GET /repos/{o}/{r}/actions/oidc/customization/sub` per repository
whose environments use an IAM role; the organization's template
(`GET /orgs/{org}/actions/oidc/customization/sub`) once per run, and only when
a repository opts into it (`use_default: false` without claim keys of its
own); `GET /repos/{o}/{r}` only for a template that names ids or visibility
that the answer's `sub_claim_prefix` does not carry.

A template the credentials may not read (403) is not fatal: the default is
assumed and the template says why, for the plan to warn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from reconciler.github.connection import GitHubConnection
from reconciler.github.errors import GitHubError
from reconciler.github.rest import Answer, expect, interpreting, repo_path, segment, send
from reconciler.model.subjects import ID_KEYS, SubjectTemplate, default_template

_PATH = "actions/oidc/customization/sub"
_REPO_PERMISSION = "Actions: read"
_ORG_PERMISSION = "Administration: read (organization)"
# sub_claim_prefix: "repo:OWNER/NAME", or with immutable subjects "repo:OWNER@ID/NAME@ID".
_PREFIX = re.compile(
    r"^repo:(?P<owner>[^/@]+)(?:@(?P<oid>\d+))?/(?P<repo>[^/@]+)(?:@(?P<rid>\d+))?$"
)


def read_subject_templates(
    conn: GitHubConnection, repositories: Iterable[tuple[str, str]], concurrency: int = 8
) -> dict[str, SubjectTemplate]:
    """Folded "owner/repo" -> the template GitHub uses for that repository's jobs."""
    wanted = list(repositories)
    if not wanted:
        return {}
    workers = max(1, min(concurrency, len(wanted)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="github-oidc") as pool:
        read = list(pool.map(lambda r: _repository(conn, *r), wanted))
    orgs = {t.owner.lower(): t.owner for t, defers in read if defers}
    org_templates = {key: _organization(conn, org) for key, org in orgs.items()}
    templates = [
        _from_organization(t, org_templates[t.owner.lower()]) if defers else t for t, defers in read
    ]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="github-oidc") as pool:
        done = list(pool.map(lambda t: _with_repository_facts(conn, t), templates))
    return {f"{t.owner}/{t.repo}".lower(): t for t in done}


def _get(conn: GitHubConnection, path: str, action: str, permission: str) -> Answer | str:
    """The answer, or why GitHub refused these credentials (a 403 is not fatal here)."""
    try:
        return send(conn, "GET", path, action=action, permission=permission)
    except GitHubError as exc:
        if exc.kind != "forbidden":
            raise
        return str(exc)


def _repository(conn: GitHubConnection, owner: str, name: str) -> tuple[SubjectTemplate, bool]:
    """The repository's own answer, and whether it defers to its organization's template."""
    full = f"{owner}/{name}"
    action = f"reading the OIDC subject template of {full}"
    answer = _get(conn, f"{repo_path(full)}/{_PATH}", action, _REPO_PERMISSION)
    if isinstance(answer, str):
        return replace(default_template(owner, name), problem=answer), False
    if answer.status == 404:  # no such repository (its own finding says so) or no OIDC here
        return default_template(owner, name), False
    data: Mapping[str, Any] = expect(answer, 200, action=action, permission=_REPO_PERMISSION).data
    with interpreting(action):
        template = _prefixed(owner, name, data)
        keys = [str(k) for k in data.get("include_claim_keys") or []]
    if data.get("use_default", True) is not False:
        return template, False
    if not keys:
        return template, True
    return replace(template, claim_keys=tuple(keys), origin="repository"), False


def _prefixed(owner: str, name: str, data: Mapping[str, Any]) -> SubjectTemplate:
    """`sub_claim_prefix` is how GitHub spells the repo part; it wins over
    `use_immutable_subject`, which some repositories report out of step with it."""
    immutable = bool(data.get("use_immutable_subject", False))
    match = _PREFIX.match(str(data.get("sub_claim_prefix") or ""))
    if match is None:
        return replace(default_template(owner, name), immutable=immutable)
    oid, rid = match["oid"], match["rid"]
    return SubjectTemplate(
        match["owner"],
        match["repo"],
        immutable=oid is not None and rid is not None,
        owner_id=int(oid) if oid else None,
        repo_id=int(rid) if rid else None,
    )


def _organization(conn: GitHubConnection, org: str) -> tuple[tuple[str, ...] | None, str | None]:
    """The organization's claim keys (None: GitHub's default), and why they are unknown."""
    action = f"reading the OIDC subject template of organization {org}"
    answer = _get(conn, f"/orgs/{segment(org)}/{_PATH}", action, _ORG_PERMISSION)
    if isinstance(answer, str):
        return None, answer
    if answer.status == 404:  # a user account, not an organization
        return None, None
    data = expect(answer, 200, action=action, permission=_ORG_PERMISSION).data
    with interpreting(action):
        keys = tuple(str(k) for k in data.get("include_claim_keys") or [])
    return keys or None, None


def _from_organization(
    template: SubjectTemplate, org: tuple[tuple[str, ...] | None, str | None]
) -> SubjectTemplate:
    keys, problem = org
    if keys is None:
        return replace(template, problem=problem)
    return replace(template, claim_keys=keys, origin="organization")


def _with_repository_facts(conn: GitHubConnection, template: SubjectTemplate) -> SubjectTemplate:
    """Ids and visibility for a template that uses them and does not have them yet."""
    keys = template.claim_keys or ()
    uses_ids = bool(ID_KEYS & set(keys)) or (template.immutable and "repo" in (keys or ("repo",)))
    need_ids = uses_ids and (template.owner_id is None or template.repo_id is None)
    if not need_ids and "repository_visibility" not in keys:
        return template
    full = f"{template.owner}/{template.repo}"
    action = f"reading {full} for the ids in its OIDC subject"
    answer = _get(conn, repo_path(full), action, "Metadata: read")
    if isinstance(answer, str) or answer.status == 404:
        return template  # the ids stay unknown: the trust check says it cannot judge
    data = expect(answer, 200, action=action, permission="Metadata: read").data
    with interpreting(action):
        owner = data.get("owner") or {}
        return replace(
            template,
            owner_id=template.owner_id or _int(owner.get("id")),
            repo_id=template.repo_id or _int(data.get("id")),
            visibility=str(data["visibility"]) if data.get("visibility") else None,
        )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
