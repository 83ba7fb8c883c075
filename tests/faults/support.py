"""What every fault test checks afterwards: one clear outcome, convergence, no damage.

Writes are told apart by the resource they touch (repository, environment,
kind, name), read from the request the emulator received, so a POST whose
answer was lost and its retry count as two writes to one resource.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from integration.helpers import ADMIN, OWNER, PLATFORM, CliResult, CliRunner

from reconciler.sandbox.github import GitHubEmulator
from reconciler.sandbox.github.records import RequestRecord
from reconciler.sandbox.runner import Sandbox

# (repository, environment or None, resource, name), names folded to GitHub's case.
ResourceKey = tuple[str, str | None, str, str]

# What the fixture config (tests/data/good/alphaswarm.yaml) makes in each repository's prod environment.
PROD_POLICIES = [("branch", "main"), ("tag", "v*")]
ROLE_VARIABLES = ["AWS_DEPLOYER_ROLE_ARN", "AWS_PLAN_ROLE_ARN"]


@dataclass(frozen=True)
class Write:
    method: str
    path: str
    status: int
    resource: ResourceKey


def resource_of(method: str, path: str, body: bytes) -> ResourceKey:
    """The resource a write request acts on (raises on a path no write of ours uses)."""
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if len(parts) < 4 or parts[0] != "repos":
        raise AssertionError(f"unexpected write {method} {path}")
    repo = parts[2]
    rest = parts[3:]
    named = _body_name(body)
    if rest[0] == "actions" and len(rest) >= 2:
        kind = {"variables": "repository_variable", "secrets": "repository_secret"}[rest[1]]
        name = rest[2] if len(rest) > 2 else named
        return (repo, None, kind, name.upper())
    if rest[0] == "environments" and len(rest) >= 2:
        env = rest[1].lower()
        if len(rest) == 2:
            return (repo, env, "environment", env)
        kind = {
            "variables": "variable",
            "secrets": "secret",
            "deployment-branch-policies": "branch_policy",
        }[rest[2]]
        if kind == "branch_policy":
            # Addressed by id after creation; by type and name (as in the plan) in the POST.
            return (repo, env, kind, rest[3] if len(rest) > 3 else _policy_name(body))
        name = rest[3] if len(rest) > 3 else named
        return (repo, env, kind, name.upper())
    raise AssertionError(f"unexpected write {method} {path}")


def _body(body: bytes) -> dict[str, Any]:
    try:
        doc: Any = json.loads(body) if body else {}
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _body_name(body: bytes) -> str:
    return str(_body(body).get("name", ""))


def _policy_name(body: bytes) -> str:
    doc = _body(body)
    return f"{doc.get('type', 'branch')}:{doc.get('name', '')}"


def change_key(change: dict[str, Any]) -> ResourceKey:
    """The resource of a plan change, in `resource_of`'s terms."""
    repo = str(change["repository"]).split("/", 1)[1]
    env = change["environment"].lower() if change["environment"] else None
    name = str(change["name"])
    if change["resource"] == "environment":
        name = name.lower()
    elif change["resource"] != "branch_policy":
        name = name.upper()
    return (repo, env, str(change["resource"]), name)


class WriteRecorder:
    """Chained onto the emulator's `on_request` hook: keeps every write it sees."""

    def __init__(self, emulator: GitHubEmulator) -> None:
        self._previous = emulator.on_request
        self._lock = threading.Lock()
        self.writes: list[Write] = []
        # Called after a write is recorded (the kill sweep's trigger).
        self.after_write: Callable[[Write], None] | None = None
        emulator.on_request = self

    def __call__(self, record: RequestRecord) -> None:
        if self._previous is not None:
            self._previous(record)
        if record.method == "GET":
            return
        path = urlsplit(record.url).path
        write = Write(
            record.method, path, record.status, resource_of(record.method, path, record.body)
        )
        with self._lock:
            self.writes.append(write)
        hook = self.after_write
        if hook is not None:
            hook(write)

    def performed(self, since: int = 0) -> list[Write]:
        """Writes GitHub carried out (2xx), from write number `since` on."""
        with self._lock:
            return [w for w in self.writes[since:] if 200 <= w.status < 300]

    def count(self) -> int:
        with self._lock:
            return len(self.writes)


def assert_clear_outcome(result: CliResult) -> None:
    """Success, or exit 1 with an `error:` line / a named failure, and never a traceback."""
    assert "Traceback" not in result.out + result.err, result.err
    assert result.code in (0, 1), result.out + result.err
    if result.code == 1:
        named = "failed:" in result.out or any(
            line.startswith("error:") for line in result.err.splitlines()
        )
        assert named, result.out + result.err


def one_error_line(result: CliResult) -> str:
    """The single `error:` line of a failed run (there must be exactly one)."""
    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    return errors[0]


def final_plan(cli: CliRunner, *extra: str) -> dict[str, Any]:
    """The plan after recovery: it must be empty (exit 0 with --detailed-exitcode)."""
    result = cli("plan", "--format", "json", "--detailed-exitcode", *extra)
    assert result.code == 0, result.out + result.err
    doc: dict[str, Any] = json.loads(result.out)
    assert doc["changes"] == []
    return doc


def assert_fixture_config_state(sandbox: Sandbox) -> None:
    """The emulator holds what the fixture config declares, nothing twice.

    Unmanaged items a test seeded (other environments, repository variables)
    are checked by that test.
    """
    gh = sandbox.github
    for repo in (PLATFORM, ADMIN):
        assert {"dev", "prod", "staging"} <= set(gh.environment_names(OWNER, repo))
        assert sorted(gh.branch_policies(OWNER, repo, "prod")) == PROD_POLICIES
        for env in ("dev", "staging", "prod"):
            assert sorted(gh.variables(OWNER, repo, env)) == ROLE_VARIABLES
    assert gh.secret_names(OWNER, ADMIN, None) == ["PLATFORM_DISPATCH_TOKEN"]
    assert gh.secret_names(OWNER, PLATFORM, None) == []


def seed_unmanaged(sandbox: Sandbox) -> dict[str, Any]:
    """Items the fixture config does not manage; returns their state to compare later."""
    gh = sandbox.github
    gh.put_environment(OWNER, PLATFORM, "qa", wait_timer=5)
    gh.set_variable(OWNER, PLATFORM, "qa", "HAND_MADE", "keep me")
    gh.set_variable(OWNER, ADMIN, None, "UNMANAGED_REPO_VAR", "keep me too")
    return unmanaged_snapshot(sandbox)


def unmanaged_snapshot(sandbox: Sandbox) -> dict[str, Any]:
    gh = sandbox.github
    return {
        "qa": gh.environment_json(OWNER, PLATFORM, "qa"),
        "qa_variables": gh.variables(OWNER, PLATFORM, "qa"),
        "admin_variables": gh.variables(OWNER, ADMIN, None),
        "platform_variables": gh.variables(OWNER, PLATFORM, None),
    }


_FRESH_PLAN: list[dict[str, Any]] = []


def fresh_plan_changes(cli: CliRunner) -> list[dict[str, Any]]:
    """The changes of the plan of a fresh fixture-config sandbox (with `seed_unmanaged` items).

    That plan is the same for every test, so each process computes it once.
    """
    if not _FRESH_PLAN:
        result = cli("plan", "--format", "json")
        assert result.code == 0, result.out + result.err
        _FRESH_PLAN.extend(json.loads(result.out)["changes"])
    return list(_FRESH_PLAN)


def fresh_planned_keys(cli: CliRunner) -> set[ResourceKey]:
    return {change_key(c) for c in fresh_plan_changes(cli)}


def assert_recovered(
    recorder: WriteRecorder, planned: set[ResourceKey], *, max_writes: int = 2
) -> None:
    """Only planned resources were written, none created twice or written too often."""
    touched = {w.resource for w in recorder.writes}
    assert touched <= planned, f"writes outside the plan: {touched - planned}"
    performed = recorder.performed()
    too_often = {r: n for r, n in writes_per_resource(performed).items() if n > max_writes}
    assert too_often == {}, "a planned change was written too often"
    twice = {r: n for r, n in created_per_resource(performed).items() if n > 1}
    assert twice == {}, "a resource was created twice"


def writes_per_resource(writes: Iterable[Write]) -> Counter[ResourceKey]:
    return Counter(w.resource for w in writes)


def created_per_resource(writes: Iterable[Write]) -> Counter[ResourceKey]:
    """How often each resource was newly created (a POST that GitHub answered 201)."""
    return Counter(w.resource for w in writes if w.method == "POST" and w.status == 201)


class AtKthWrite:
    """A `WriteRecorder.after_write` hook that fires once, at the K-th performed write.

    The process to act on is named with `started(pid)` once it runs; `fire`
    says what to do to it (a subclass's part).
    """

    def __init__(self, recorder: WriteRecorder, k: int) -> None:
        self.k = k
        self._recorder = recorder
        self._lock = threading.Lock()
        self._started = threading.Event()
        self.pid = 0
        self.fired = False

    def started(self, pid: int) -> None:
        self.pid = pid
        self._started.set()

    def __call__(self, write: Write) -> None:
        if not 200 <= write.status < 300:
            return
        with self._lock:
            if self.fired or len(self._recorder.performed()) < self.k:
                return
            self.fired = True
        self._started.wait(10)
        self.fire()

    def fire(self) -> None:
        raise NotImplementedError


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def audit_lines(path: Path) -> list[dict[str, Any]]:
    """Every line must be one whole JSON object: a torn line fails here."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    assert text == "" or text.endswith("\n"), "the audit log ends in a partial line"
    return [json.loads(line) for line in text.splitlines()]


def has_status(path: Path, status: str) -> bool:
    return any(line.get("status") == status for line in audit_lines(path))


def record_id(record: dict[str, Any]) -> str:
    """The plan's change id of the write an audit record is about."""
    env = (record["environment"] or "-").lower()
    name = record["name"] if record["resource"] == "branch_policy" else record["name"].lower()
    return f"{record['repository'].lower()}/{env}/{record['resource']}/{name}/{record['action']}"


def ten_repositories(directory: Path) -> Path:
    """A config of 10 repositories, each with one environment, a variable and a secret
    (read from AWS, sealed with the scope's public key: a read, then the write)."""
    names = [f"svc-{i:02d}" for i in range(TEN)]
    text = "\n".join(
        [
            "version: 1",
            "github: {owner: Alpha-Swarm-ai}",
            "aws:",
            "  region: us-east-1",
            "  read_role: aqp-reconciler-read",
            '  accounts: {dev: "111111111111"}',
            "environments:",
            "  dev:",
            "    required_approvals: 0",
            "    variables: {LOG_LEVEL: info}",
            '    secrets: {DB_PASSWORD: {aws_secret: "{repo}/db-password"}}',
            "repositories:",
            *(f"  {name}: {{}}" for name in names),
        ]
    )
    path = directory / "ten.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


TEN = 10
TEN_WRITES = 3 * TEN  # per repository: the environment, the variable, the secret
