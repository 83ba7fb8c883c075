"""The writes `reconcile apply` performs, each answering a WriteResult for the audit log.

Writes are idempotent from the caller's point of view: a retried POST whose
first answer was lost meets 409 (variable) or 303 (branch policy), which means
the item exists. A 409 is not taken on trust: the variable is read back and
compared, and only a different value is patched, so a second apply running
at the same time (or our own lost answer) costs one read instead of an
overwrite; `WriteResult.note` tells the audit log which it was. A 303 names an
existing policy of the same name and type, and is noted the same way.

Secret plaintexts are sealed and dropped at once; they never enter a log
line, an exception or any stored attribute.
"""

from __future__ import annotations

import threading
from base64 import b64decode, b64encode
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import CryptoError as NaclError
from nacl.public import PublicKey, SealedBox

from reconciler.github.connection import GitHubConnection
from reconciler.github.errors import GitHubError, detached, environment_write_error
from reconciler.github.redaction import scrubbed
from reconciler.github.rest import Answer, Shape, expect, repo_path, segment, send
from reconciler.model.desired import BranchPattern
from reconciler.model.limits import MAX_VALUE_BYTES
from reconciler.model.observed import Identities, ObservedEnvironment
from reconciler.model.payloads import EnvironmentSettings

_ENV_PERMISSION = "Administration: write"
_VAR_PERMISSION = "Variables: write"
_SECRET_PERMISSION = "Secrets: write"


@dataclass(frozen=True)
class WriteResult:
    status: int
    request_id: str | None
    note: str | None = None  # what happened beyond the status, for the audit log


def _result(answer: Answer, note: str | None = None) -> WriteResult:
    return WriteResult(answer.status, answer.request_id, note)


def _where(repo: str, env: str | None) -> str:
    return f"{repo}" if env is None else f"environment {env} of {repo}"


def _scope_path(repo: str, env: str | None, kind: str) -> str:
    """`/repos/o/r/actions/{kind}` or `/repos/o/r/environments/{env}/{kind}`."""
    if env is None:
        return f"{repo_path(repo)}/actions/{kind}"
    return f"{repo_path(repo)}/environments/{segment(env)}/{kind}"


def environment_body(
    name: str,
    settings: EnvironmentSettings,
    identities: Identities,
    current: ObservedEnvironment | None = None,
) -> dict[str, Any]:
    """The PUT body for environment `name`; unknown reviewers are refused, not dropped.

    `settings` is what the environment must hold; a field it leaves None is
    GitHub's default (no reviewers, no wait timer, any branch), except the
    admins' bypass, which None leaves as GitHub holds it. The body names only
    the protection settings the environment uses, plus those GitHub holds now
    (`current`) and must clear: on a private repository below GitHub
    Enterprise, GitHub refuses a body that so much as names reviewers or a wait
    timer, even empty or 0, so an unprotected environment must not carry them.
    """
    reviewers = _reviewer_ids(name, settings.reviewers or (), identities)
    wait_timer = settings.wait_timer or 0
    body: dict[str, Any] = {}
    if reviewers or (current is not None and current.reviewers):
        body["reviewers"] = reviewers
    if reviewers:
        body["prevent_self_review"] = bool(settings.prevent_self_review)
    if wait_timer > 0 or (current is not None and current.wait_timer > 0):
        body["wait_timer"] = wait_timer
    bypass = settings.admins_bypass if isinstance(settings.admins_bypass, bool) else None
    if bypass is None and current is not None and current.can_admins_bypass is False:
        # Not managed, but a PUT that leaves it out turns the bypass back on.
        bypass = False
    if bypass is not None:
        body["can_admins_bypass"] = bypass
    policy = settings.deployment_branch_policy or "all"
    body["deployment_branch_policy"] = (
        None
        if policy == "all"
        else {
            "protected_branches": policy == "protected",
            "custom_branch_policies": policy == "custom",
        }
    )
    return body


def _reviewer_ids(
    env: str, reviewers: Iterable[str], identities: Identities
) -> list[dict[str, Any]]:
    """GitHub's ids of `team:SLUG` and `user:LOGIN`, as the plan names reviewers."""
    found = []
    for reviewer in reviewers:
        kind, _, name = reviewer.partition(":")
        folded = name.lower()
        ident: int | None = None
        if kind == "team" and folded in identities.teams:
            ident = identities.teams[folded].id
        elif kind == "user" and folded in identities.users:
            ident = identities.users[folded].id
        if ident is None:
            raise GitHubError(
                "validation",
                f"reviewer {reviewer} of environment {env} does not exist on GitHub",
            )
        found.append({"type": "Team" if kind == "team" else "User", "id": ident})
    return found


def secret_bytes(plaintext: str, what: str) -> bytes:
    """The value as GitHub stores it (UTF-8), refused before any request when GitHub
    would refuse it or hold something else; messages never quote the value."""
    data: bytes | None
    try:
        data = plaintext.encode("utf-8")
    except UnicodeEncodeError:
        # An environment variable holding bytes that are not UTF-8 reaches
        # Python as lone surrogates; the exception would carry the whole value.
        data = None
    if data is None:
        raise GitHubError("validation", f"{what}: the value is not valid UTF-8 text; not written")
    if not data.strip():
        raise GitHubError("validation", f"{what}: the value is empty; not written")
    if len(data) > MAX_VALUE_BYTES:
        raise GitHubError(
            "validation",
            f"{what}: the value is {len(data):,} bytes, over GitHub's limit of 48 KB "
            f"({MAX_VALUE_BYTES:,} bytes) per secret; not written",
        )
    return data


def _seal(key: str, data: bytes, where: str) -> bytes:
    try:
        box = SealedBox(PublicKey(b64decode(key, validate=True)))
    except (ValueError, TypeError, NaclError):
        raise GitHubError(
            "server", f"the secrets public key GitHub gave for {where} is not a valid key"
        ) from None
    sealed: bytes = box.encrypt(data)
    return sealed


class GitHubWriter:
    """Writes through one connection; caches each scope's secret public key for the run."""

    def __init__(self, conn: GitHubConnection) -> None:
        self._conn = conn
        self._keys: dict[tuple[str, str | None], tuple[str, str]] = {}
        self._keys_lock = threading.Lock()

    def _send(
        self, verb: str, path: str, body: Any, *ok: int, action: str, permission: str
    ) -> Answer:
        answer = send(self._conn, verb, path, body=body, action=action, permission=permission)
        return expect(answer, *ok, action=action, permission=permission)

    # environments

    def put_environment(
        self,
        repo_full_name: str,
        name: str,
        settings: EnvironmentSettings,
        identities: Identities,
        current: ObservedEnvironment | None = None,
    ) -> WriteResult:
        """`current`: the environment as the plan read it, None when it is new."""
        path = f"{repo_path(repo_full_name)}/environments/{segment(name)}"
        body = environment_body(name, settings, identities, current)
        action = f"writing environment {name} of {repo_full_name}"
        answer = send(self._conn, "PUT", path, body=body, action=action, permission=_ENV_PERMISSION)
        explained = environment_write_error(
            answer.status,
            answer.data,
            environment=name,
            repository=repo_full_name,
            needs=settings.enterprise_rules,
        )
        if explained is not None:
            raise explained
        return _result(expect(answer, 200, action=action, permission=_ENV_PERMISSION))

    def delete_environment(self, repo: str, name: str) -> WriteResult:
        path = f"{repo_path(repo)}/environments/{segment(name)}"
        action = f"deleting environment {name} of {repo}"
        return _result(
            self._send("DELETE", path, None, 204, 404, action=action, permission=_ENV_PERMISSION)
        )

    # variables

    def create_variable(self, repo: str, env: str | None, name: str, value: str) -> WriteResult:
        action = f"creating variable {name} in {_where(repo, env)}"
        answer = self._send(
            "POST",
            _scope_path(repo, env, "variables"),
            {"name": name, "value": value},
            201,
            409,
            action=action,
            permission=_VAR_PERMISSION,
        )
        if answer.status == 409:
            return self._settle_conflict(repo, env, name, value, answer)
        return _result(answer)

    def _settle_conflict(
        self, repo: str, env: str | None, name: str, value: str, conflict: Answer
    ) -> WriteResult:
        """After 409 on create: read the variable; patch only if its value differs."""
        path = f"{_scope_path(repo, env, 'variables')}/{segment(name)}"
        action = f"reading variable {name} in {_where(repo, env)} after 409 on create"
        current = self._send("GET", path, None, 200, 404, action=action, permission=_VAR_PERMISSION)
        if current.status == 200 and isinstance(current.data, dict):
            if current.data.get("value") == value:
                return _result(
                    conflict, "already existed with this value (409 on create); not written again"
                )
        elif current.status == 404:
            raise GitHubError(
                "not_found",
                f"variable {name} in {_where(repo, env)} answered 409 on create, then 404",
                status=404,
            )
        patched = self._patch_variable(repo, env, name, value)
        return WriteResult(
            patched.status,
            patched.request_id,
            "existed with another value (409 on create), created since the plan was read; "
            "overwritten with the configured value",
        )

    def update_variable(self, repo: str, env: str | None, name: str, value: str) -> WriteResult:
        answer = self._patch_answer(repo, env, name, value)
        if answer.status == 404:
            # Deleted since the plan was read: create it (409 there means PATCH again).
            return self.create_variable(repo, env, name, value)
        return _result(answer)

    def _patch_answer(self, repo: str, env: str | None, name: str, value: str) -> Answer:
        path = f"{_scope_path(repo, env, 'variables')}/{segment(name)}"
        action = f"updating variable {name} in {_where(repo, env)}"
        return self._send(
            "PATCH",
            path,
            {"name": name, "value": value},
            204,
            404,
            action=action,
            permission=_VAR_PERMISSION,
        )

    def _patch_variable(self, repo: str, env: str | None, name: str, value: str) -> WriteResult:
        answer = self._patch_answer(repo, env, name, value)
        if answer.status == 404:
            raise GitHubError(
                "not_found",
                f"variable {name} in {_where(repo, env)} vanished while being written (404)",
                status=404,
            )
        return _result(answer)

    def delete_variable(self, repo: str, env: str | None, name: str) -> WriteResult:
        path = f"{_scope_path(repo, env, 'variables')}/{segment(name)}"
        action = f"deleting variable {name} in {_where(repo, env)}"
        return _result(
            self._send("DELETE", path, None, 204, 404, action=action, permission=_VAR_PERMISSION)
        )

    # secrets

    def _public_key(self, repo: str, env: str | None, *, fresh: bool = False) -> tuple[str, str]:
        scope = (repo.lower(), env.lower() if env is not None else None)
        with self._keys_lock:
            cached = None if fresh else self._keys.get(scope)
        if cached is not None:
            return cached
        action = f"reading the secrets public key of {_where(repo, env)}"
        path = f"{_scope_path(repo, env, 'secrets')}/public-key"
        answer = send(
            self._conn,
            "GET",
            path,
            shape=Shape(fields=("key_id", "key")),
            action=action,
            permission=_SECRET_PERMISSION,
        )
        data = expect(answer, 200, action=action, permission=_SECRET_PERMISSION).data
        key = (str(data["key_id"]), str(data["key"]))
        with self._keys_lock:
            self._keys[scope] = key
        return key

    def put_secret(self, repo: str, env: str | None, name: str, plaintext: str) -> WriteResult:
        failure: GitHubError | None = None
        try:
            return self._put_secret(repo, env, name, plaintext)
        except GitHubError as exc:
            # GitHub or a proxy in between may echo part of a request; this is
            # the last guard between the value and the report, logs and audit.
            failure = scrubbed(exc, plaintext)
        raise detached(failure)

    def _put_secret(self, repo: str, env: str | None, name: str, plaintext: str) -> WriteResult:
        path = f"{_scope_path(repo, env, 'secrets')}/{segment(name)}"
        action = f"writing secret {name} in {_where(repo, env)}"
        data = secret_bytes(plaintext, f"secret {name} in {_where(repo, env)}")

        def put(fresh: bool) -> Answer:
            key_id, key = self._public_key(repo, env, fresh=fresh)
            sealed = _seal(key, data, _where(repo, env))
            body = {"encrypted_value": b64encode(sealed).decode("ascii"), "key_id": key_id}
            return send(
                self._conn,
                "PUT",
                path,
                body=body,
                action=action,
                permission=_SECRET_PERMISSION,
                hide=(plaintext,),
            )

        answer = put(fresh=False)
        if answer.status == 422:
            # The key may have been rotated since we cached it: one refetch.
            answer = put(fresh=True)
        return _result(expect(answer, 201, 204, action=action, permission=_SECRET_PERMISSION))

    def delete_secret(self, repo: str, env: str | None, name: str) -> WriteResult:
        path = f"{_scope_path(repo, env, 'secrets')}/{segment(name)}"
        action = f"deleting secret {name} in {_where(repo, env)}"
        return _result(
            self._send("DELETE", path, None, 204, 404, action=action, permission=_SECRET_PERMISSION)
        )

    # branch policies

    def create_branch_policy(self, repo: str, env: str, pattern: BranchPattern) -> WriteResult:
        path = f"{repo_path(repo)}/environments/{segment(env)}/deployment-branch-policies"
        action = (
            f"creating deployment {pattern.type} policy {pattern.pattern} in {_where(repo, env)}"
        )
        body = {"name": pattern.pattern, "type": pattern.type}
        answer = self._send(
            "POST", path, body, 200, 201, 303, action=action, permission=_ENV_PERMISSION
        )
        if answer.status == 303:
            # A policy is only its name and type, both matched: nothing to compare or patch.
            return _result(
                answer, "already existed with this name and type (303 on create); not written again"
            )
        return _result(answer)

    def delete_branch_policy(self, repo: str, env: str, policy_id: int) -> WriteResult:
        path = (
            f"{repo_path(repo)}/environments/{segment(env)}/deployment-branch-policies/"
            f"{int(policy_id)}"
        )
        action = f"deleting deployment branch policy {policy_id} in {_where(repo, env)}"
        return _result(
            self._send("DELETE", path, None, 204, 404, action=action, permission=_ENV_PERMISSION)
        )
