"""Carry out a plan: only its changes, in a safe order, each one audited.

Order: environments are created or updated first (a variable or policy needs
its environment, and a branch policy needs the environment's policy type set
to custom); then branch policies, variables and secrets; deletes last, the
environments themselves at the very end. Repositories are independent of each
other and run in parallel; inside one repository the order above holds.

A failed change does not stop independent ones; changes inside an environment
whose creation failed are skipped, as are changes in the scope of an error
finding (writing them would leave a state the plan already knows is wrong).

Once the run's `StopSwitch` is set, no write is sent: the switch is asked
again at the moment each write request goes out (`reconciler.run.gate`, which
the caller puts in front of the writer's requests). Writes already sent finish
and are recorded, the rest is reported as not started. It is set by a stop
signal (`reconciler.run.interrupts`), by a record the audit log could not
keep, and by GitHub failing `FAILURE_LIMIT` writes in a row for reasons that
are not about the item (network, 5xx, rate limit, credentials): then GitHub
is down for this run, and every further write would only spend its retries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from threading import Lock
from typing import Protocol

from reconciler.errors import ReconcileError
from reconciler.logs import get_logger
from reconciler.model.desired import BranchPattern, SecretSource
from reconciler.model.findings import Code
from reconciler.model.observed import Identities, ObservedEnvironment, ObservedState
from reconciler.model.payloads import (
    BranchPolicyPayload,
    EnvironmentSettings,
    SecretSourcePayload,
)
from reconciler.model.plan import Action, Change, Plan, Resource
from reconciler.model.progress import Advance, Tracker, quiet
from reconciler.run.audit import AuditLog, AuditWriteError
from reconciler.run.gate import Ticket, WriteGate
from reconciler.run.interrupts import StopSwitch, block_stop_signals
from reconciler.run.written import environment_of, environment_settings, payload, variable_value

_log = get_logger("reconcile.apply")

FAILURE_LIMIT = 3  # consecutive writes failing for GitHub's reasons: stop starting writes
# Error kinds (GitHubError.kind) that say nothing about the item written.
_OUTAGE_KINDS = frozenset({"network", "server", "rate_limit", "auth"})


class WriteOutcome(Protocol):
    @property
    def status(self) -> int: ...

    @property
    def request_id(self) -> str | None: ...

    @property
    def note(self) -> str | None: ...


class Writer(Protocol):
    """The GitHub writes apply needs; `reconciler.github.writer` provides them."""

    def put_environment(
        self,
        repo: str,
        name: str,
        settings: EnvironmentSettings,
        identities: Identities,
        current: ObservedEnvironment | None = None,
    ) -> WriteOutcome: ...

    def delete_environment(self, repo: str, name: str) -> WriteOutcome: ...

    def create_variable(
        self, repo: str, env: str | None, name: str, value: str
    ) -> WriteOutcome: ...

    def update_variable(
        self, repo: str, env: str | None, name: str, value: str
    ) -> WriteOutcome: ...

    def delete_variable(self, repo: str, env: str | None, name: str) -> WriteOutcome: ...

    def put_secret(self, repo: str, env: str | None, name: str, plaintext: str) -> WriteOutcome: ...

    def delete_secret(self, repo: str, env: str | None, name: str) -> WriteOutcome: ...

    def create_branch_policy(self, repo: str, env: str, pattern: BranchPattern) -> WriteOutcome: ...

    def delete_branch_policy(self, repo: str, env: str, policy_id: int) -> WriteOutcome: ...


# Reads a secret's value from its source at the moment of the write
# (`reconciler.aws.secret_reader`); the value goes to the writer and nowhere else.
SecretReader = Callable[[SecretSource], str]


def _phase(change: Change) -> int:
    if change.resource is Resource.ENVIRONMENT:
        return 4 if change.action is Action.DELETE else 0
    if change.action is Action.DELETE:
        return 3
    return 1 if change.resource is Resource.BRANCH_POLICY else 2


@dataclass
class ApplyReport:
    applied: list[Change] = field(default_factory=list)
    failed: list[tuple[Change, str]] = field(default_factory=list)
    skipped: list[tuple[Change, str]] = field(default_factory=list)
    not_started: list[Change] = field(default_factory=list)  # the run stopped before them
    notes: list[tuple[Change, str]] = field(default_factory=list)  # applied, with a remark
    unrecorded: list[str] = field(default_factory=list)  # writes the audit log could not keep
    stopped: str | None = None  # why no further write was started
    signum: int | None = None  # the signal that stopped the run
    in_flight_at_stop: tuple[str, ...] = ()  # changes with a write sent, unfinished at the stop
    sent_after_stop: int = 0  # write requests let out after the stop (counted by the gate)
    remaining: Plan | None = None  # what the verification plan still shows
    verify_error: str | None = None  # why the verification read failed

    @property
    def ok(self) -> bool:
        return not (
            self.failed
            or self.skipped
            or self.not_started
            or self.unrecorded
            or self.stopped
            or self.verify_error
            or (self.remaining and self.remaining.changes)
        )

    def merge(self, part: ApplyReport) -> None:
        self.applied += part.applied
        self.failed += part.failed
        self.skipped += part.skipped
        self.not_started += part.not_started
        self.notes += part.notes
        self.unrecorded += part.unrecorded


class Applier:
    """Writes what each change of a plan carries: its `after` payload, a secret's
    value read through `read_secret` from the source the payload names.

    `observed` is GitHub as the plan read it: it gives GitHub's ids (reviewers,
    branch policies) and what an environment holds besides the fields an
    update changes. The configuration is not needed: the plan is the whole order.
    """

    def __init__(
        self,
        *,
        observed: ObservedState,
        writer: Writer,
        read_secret: SecretReader,
        audit: AuditLog,
        concurrency: int = 8,
        stop: StopSwitch | None = None,
        track: Tracker = quiet,
    ) -> None:
        self._observed = observed
        self._writer = writer
        self._read_secret = read_secret
        self._audit = audit
        self._concurrency = max(1, concurrency)
        self._stop = stop or StopSwitch()
        self.gate = WriteGate(self._stop)  # the writer's requests must pass it
        self._failures = 0  # consecutive outage failures, over all workers
        self._failures_lock = Lock()
        self._track = track

    def run(self, plan: Plan) -> ApplyReport:
        report = ApplyReport()
        done = self._track("Writing changes", len(plan.changes))
        blocked = _blocked_scopes(plan)
        by_repo: dict[str, list[Change]] = defaultdict(list)
        for change in plan.changes:
            by_repo[change.repository].append(change)
        # Workers block the stop signals, so the main thread (waiting on them) gets it.
        with ThreadPoolExecutor(
            max_workers=self._concurrency, initializer=block_stop_signals
        ) as pool:
            results = list(
                pool.map(lambda cs: self._run_repository(cs, blocked, done), by_repo.values())
            )
        for part in results:
            report.merge(part)
        report.stopped, report.signum = self._stop.reason, self._stop.signum
        report.in_flight_at_stop = self._stop.in_flight_at_stop
        report.sent_after_stop = self._stop.sent_after_stop
        return report

    def _run_repository(
        self,
        changes: Iterable[Change],
        blocked: Mapping[tuple[str | None, str | None], str],
        done: Advance,
    ) -> ApplyReport:
        report = ApplyReport()
        failed_envs: set[str] = set()
        for change in sorted(changes, key=lambda c: (_phase(c), c.sort_key)):
            if self._stop.is_set():
                report.not_started.append(change)
                continue
            why = _blocked_reason(change, blocked)
            env_key = (change.environment or "").lower()
            if why is None and change.environment and env_key in failed_envs:
                why = f"environment {change.environment!r} could not be written"
            if why is not None:
                report.skipped.append((change, why))
                self._record(report, change, status="skipped", error=why)
                done()
                continue
            with self.gate.change(change.id) as ticket:
                self._carry_out(change, ticket, report, failed_envs)
            done()
        return report

    def _carry_out(
        self, change: Change, ticket: Ticket, report: ApplyReport, failed_envs: set[str]
    ) -> None:
        """One change's writes and its record, inside its passage through the gate."""
        try:
            outcome = self._write(change)
        except ReconcileError as exc:
            if ticket.refused and not ticket.sent:
                report.not_started.append(change)  # nothing of it reached GitHub
                return
            error = str(exc)
            if ticket.refused:
                # Sent, then a second request (or a retry) held back: GitHub may hold
                # part of it, all of it or none; the next plan tells.
                error = (
                    f"not finished: the run was stopped ({self._stop.reason}) after part of "
                    "it was sent; `reconcile plan` shows whether GitHub holds it"
                )
            report.failed.append((change, error))
            self._record(report, change, status="failed", http_status=exc.status, error=error)
            if not ticket.refused:
                self._count_failure(exc)
            if change.resource is Resource.ENVIRONMENT and change.action is Action.CREATE:
                failed_envs.add((change.environment or "").lower())
            return
        self._count_success()
        report.applied.append(change)
        note = getattr(outcome, "note", None)
        if note:
            report.notes.append((change, note))
        self._record(
            report,
            change,
            status="ok",
            http_status=outcome.status,
            request_id=outcome.request_id,
            note=note,
        )

    def _record(
        self,
        report: ApplyReport,
        change: Change,
        *,
        status: str,
        http_status: int | None = None,
        request_id: str | None = None,
        error: str | None = None,
        note: str | None = None,
    ) -> None:
        """Audit one outcome; if the trail cannot keep it, no further write starts."""
        try:
            self._audit.record(
                change,
                status=status,
                http_status=http_status,
                request_id=request_id,
                error=error,
                note=note,
            )
        except AuditWriteError as exc:
            report.unrecorded.append(str(exc))
            self._stop.landed()  # this write is over, named as unrecorded, not in flight
            self._stop.set("the audit log could not record a write")
            _log.error("audit_failed", error=str(exc))

    def _count_failure(self, exc: ReconcileError) -> None:
        if getattr(exc, "outage", False):
            # The transport gave up on GitHub (github/outage.py): its retries counted.
            self._stop.set(str(exc))
            return
        if getattr(exc, "kind", None) not in _OUTAGE_KINDS:
            return
        with self._failures_lock:
            self._failures += 1
            failures = self._failures
        if failures >= FAILURE_LIMIT:
            self._stop.set(f"GitHub failed {failures} writes in a row (last: {exc})")

    def _count_success(self) -> None:
        with self._failures_lock:
            self._failures = 0

    def _write(self, change: Change) -> WriteOutcome:
        w = self._writer
        repo, env, name = change.repository, change.environment, change.name
        match change.resource, change.action:
            case Resource.ENVIRONMENT, Action.DELETE:
                return w.delete_environment(repo, name)
            case Resource.ENVIRONMENT, _:
                # What GitHub holds tells the writer which settings it must clear.
                live_repo = self._observed.repository(repo)
                current = live_repo.environment(name) if live_repo else None
                settings = environment_settings(change, current)
                return w.put_environment(repo, name, settings, self._observed.identities, current)
            case Resource.BRANCH_POLICY, Action.CREATE:
                policy = payload(change, BranchPolicyPayload)
                pattern = BranchPattern(type=policy.type, pattern=policy.pattern)
                return w.create_branch_policy(repo, environment_of(change), pattern)
            case Resource.BRANCH_POLICY, Action.DELETE:
                return w.delete_branch_policy(repo, environment_of(change), self._policy_id(change))
            case ((Resource.VARIABLE | Resource.REPOSITORY_VARIABLE), Action.CREATE):
                return w.create_variable(repo, env, name, variable_value(change))
            case ((Resource.VARIABLE | Resource.REPOSITORY_VARIABLE), Action.UPDATE):
                return w.update_variable(repo, env, name, variable_value(change))
            case ((Resource.VARIABLE | Resource.REPOSITORY_VARIABLE), Action.DELETE):
                return w.delete_variable(repo, env, name)
            case ((Resource.SECRET | Resource.REPOSITORY_SECRET), Action.DELETE):
                return w.delete_secret(repo, env, name)
            case ((Resource.SECRET | Resource.REPOSITORY_SECRET), _):
                # Read at the last moment and dropped right after the write.
                source = payload(change, SecretSourcePayload).source
                return w.put_secret(repo, env, name, self._read_secret(source))
        raise ReconcileError(f"unsupported change {change.id}")

    def _policy_id(self, change: Change) -> int:
        observed_repo = self._observed.repository(change.repository)
        env = observed_repo.environment(change.environment or "") if observed_repo else None
        # Exactly: patterns are case-sensitive, `main` and `Main` are two policies.
        for policy in env.branch_policies if env else ():
            if policy.name == change.name:
                return policy.id
        raise ReconcileError(f"{change.repository}: branch policy {change.name!r} is already gone")


def _blocked_scopes(plan: Plan) -> dict[tuple[str | None, str | None], str]:
    """(repository, environment) -> the code of an error finding in that scope.

    None stands for "every": a finding without a repository blocks its
    environment everywhere, one without an environment its whole repository.
    A reviewer whose access apply's own credentials could not verify blocks
    too: GitHub would drop it silently if it had none.
    """
    scopes: dict[tuple[str | None, str | None], str] = {}
    unverified = [f for f in plan.findings if f.code == Code.REVIEWER_ACCESS_UNVERIFIED]
    for finding in [*plan.errors, *unverified]:
        repo = finding.repository.lower() if finding.repository else None
        env = finding.environment.lower() if finding.environment else None
        scopes.setdefault((repo, env), finding.code)
    return scopes


def _blocked_reason(
    change: Change, blocked: Mapping[tuple[str | None, str | None], str]
) -> str | None:
    repo = change.repository.lower()
    env = change.environment.lower() if change.environment else None
    for key in ((repo, env), (repo, None), (None, env), (None, None)):
        if key in blocked:
            kind = "warning" if blocked[key] == Code.REVIEWER_ACCESS_UNVERIFIED else "error"
            return f"blocked by {kind} finding {blocked[key]}"
    return None
