"""The emulator side of the apply property: seed a live state, snapshot it, read writes.

Writes are recorded through the emulator's `on_request` hook (which, unlike
the request log, carries the body: a POST names its variable or branch policy
only there) and mapped to the plan item they touch.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from reconciler.sandbox.github import GitHubEmulator, RequestRecord

from .scenarios import OWNER, TEAMS, USERS, LiveRepository, Scenario

# (resource, folded "owner/repo", folded environment or None, name); names of
# variables and secrets folded, branch policies as "type:pattern".
Item = tuple[str, str, str | None, str]


def item(resource: str, repository: str, environment: str | None, name: str) -> Item:
    folded = name if resource == "branch_policy" else name.lower()
    env = environment.lower() if environment is not None else None
    return (resource, repository.lower(), env, folded)


@dataclass
class Seeded:
    token: str
    policy_names: dict[int, str]  # branch policy id -> "type:pattern"


def seed(emulator: GitHubEmulator, scenario: Scenario) -> Seeded:
    """Owner, repositories, the fixed teams and users, a token, then the live state."""
    emulator.add_org(OWNER)
    ids: dict[tuple[str, str], int] = {}
    for live in scenario.live:
        emulator.add_repo(OWNER, live.name)
    for slug, members in TEAMS.items():
        ids[("team", slug)] = emulator.add_team(OWNER, slug, members)
        for live in scenario.live:
            emulator.grant_team(OWNER, slug, OWNER, live.name, "push")
    for login in USERS:
        ids[("user", login)] = emulator.add_user(login)
        for live in scenario.live:
            emulator.add_collaborator(OWNER, live.name, login, "write")
    token = "prop_" + "0" * 32
    emulator.add_token(token, login="prop-admin", write=True)
    policy_names: dict[int, str] = {}
    for live in scenario.live:
        _seed_repository(emulator, live, ids, policy_names)
    return Seeded(token, policy_names)


def _seed_repository(
    emulator: GitHubEmulator,
    live: LiveRepository,
    ids: dict[tuple[str, str], int],
    policy_names: dict[int, str],
) -> None:
    for env in live.environments:
        emulator.put_environment(
            OWNER,
            live.name,
            env.name,
            wait_timer=env.wait_timer,
            prevent_self_review=env.prevent_self_review,
            reviewers=[("Team" if k == "team" else "User", ids[(k, n)]) for k, n in env.reviewers],
            deployment_branch_policy=env.branch_policy,
        )
        for kind, pattern in env.policies:
            policy_id = emulator.add_branch_policy(OWNER, live.name, env.name, pattern, kind)
            policy_names[policy_id] = f"{kind}:{pattern}"
        for name, value in env.variables.items():
            emulator.set_variable(OWNER, live.name, env.name, name, value)
        for name, value in env.secrets.items():
            emulator.set_secret(OWNER, live.name, env.name, name, value)
    for name, value in live.variables.items():
        emulator.set_variable(OWNER, live.name, None, name, value)
    for name, value in live.secrets.items():
        emulator.set_secret(OWNER, live.name, None, name, value)


def snapshot(emulator: GitHubEmulator, scenario: Scenario) -> dict[Item, Any]:
    """Every live item with its full content, keyed like plan items."""
    items: dict[Item, Any] = {}
    for live in scenario.live:
        full = f"{OWNER}/{live.name}"
        for env in emulator.environment_names(OWNER, live.name):
            items[item("environment", full, env, env)] = emulator.environment_json(
                OWNER, live.name, env
            )
            for kind, pattern in emulator.branch_policies(OWNER, live.name, env):
                items[item("branch_policy", full, env, f"{kind}:{pattern}")] = True
            for name, value in emulator.variables(OWNER, live.name, env).items():
                items[item("variable", full, env, name)] = value
            for name in emulator.secret_names(OWNER, live.name, env):
                items[item("secret", full, env, name)] = emulator.secret_value(
                    OWNER, live.name, env, name
                )
        for name, value in emulator.variables(OWNER, live.name, None).items():
            items[item("repository_variable", full, None, name)] = value
        for name in emulator.secret_names(OWNER, live.name, None):
            items[item("repository_secret", full, None, name)] = emulator.secret_value(
                OWNER, live.name, None, name
            )
    return items


def unmanaged(items: dict[Item, Any], scenario: Scenario) -> dict[Item, Any]:
    """The live items the file does not declare (docs/configuration.md, "What is managed"), by the scenario's own account."""
    out: dict[Item, Any] = {}
    for key, value in items.items():
        resource, repository, env, name = key
        declared = scenario.declared[repository.split("/")[1]]
        declared_env = declared.environments.get(env) if env is not None else None
        if resource == "repository_variable":
            managed = name in declared.variables
        elif resource == "repository_secret":
            managed = name in declared.secrets
        elif declared_env is None:
            managed = False  # an undeclared environment and everything in it
        elif resource == "environment":
            managed = True
        elif resource == "variable":
            managed = name in declared_env.variables
        elif resource == "secret":
            managed = name in declared_env.secrets
        else:  # a branch policy: the environment's policy type is managed, so without
            # declared patterns the live ones go with it
            managed = declared_env.patterns is None or name in declared_env.patterns
        if not managed:
            out[key] = value
    return out


class WriteRecorder:
    """An `on_request` hook that keeps the writes and forwards every record."""

    def __init__(self, forward: Callable[[RequestRecord], None] | None = None) -> None:
        self._forward = forward
        self._lock = threading.Lock()
        self.writes: list[RequestRecord] = []

    def __call__(self, record: RequestRecord) -> None:
        if record.method != "GET":
            with self._lock:
                self.writes.append(record)
        if self._forward is not None:
            self._forward(record)


def written_item(record: RequestRecord, policy_names: dict[int, str]) -> Item:
    """The plan item a write touches; AssertionError for a write the plan cannot name."""
    segments = [unquote(s) for s in urlsplit(record.url).path.split("/")[1:]]
    assert segments[0] == "repos", f"write outside a repository: {record.method} {record.url}"
    full, rest = f"{segments[1]}/{segments[2]}", segments[3:]
    body = _json(record.body)
    match rest:
        case ["environments", env]:
            return item("environment", full, env, env)
        case ["environments", env, "variables"]:
            return item("variable", full, env, body["name"])
        case ["environments", env, ("variables" | "secrets") as kind, name]:
            return item(kind[:-1], full, env, name)
        case ["environments", env, "deployment-branch-policies"]:
            name = f"{body.get('type', 'branch')}:{body['name']}"
            if 200 <= record.status < 300:
                policy_names[_json(record.response_body)["id"]] = name
            return item("branch_policy", full, env, name)
        case ["environments", env, "deployment-branch-policies", policy_id]:
            return item("branch_policy", full, env, policy_names[int(policy_id)])
        case ["actions", "variables"]:
            return item("repository_variable", full, None, body["name"])
        case ["actions", ("variables" | "secrets") as kind, name]:
            return item(f"repository_{kind[:-1]}", full, None, name)
    raise AssertionError(f"unexpected write {record.method} {record.url}")


def _json(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    data = json.loads(raw)
    return data if isinstance(data, dict) else {}
