"""One plan run: read GitHub and AWS (read-only), then diff.

The stages stay separate values: the desired state comes in, the observed
state is read through the two adapters, and the pure diff turns both into a
plan. The only extra I/O after the diff is the reviewer access check, done
for just the reviewers the plan would add (GitHub would accept a reviewer
without access and silently drop it, so this must be known before writing).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from reconciler.aws import AwsSessions, observe_aws, observe_env_sources, secret_reader
from reconciler.aws.targets import repositories_with_roles
from reconciler.diff import (
    access_findings,
    billing_findings,
    billing_to_check,
    diff,
    reviewers_to_check,
)
from reconciler.errors import ReconcileError
from reconciler.github import (
    GitHubConnection,
    check_reviewer_access,
    observe_github,
    repository_billing,
    resolve_identities,
)
from reconciler.github.dispatch_check import check_dispatch_token, source_unreadable_finding
from reconciler.github.oidc import read_subject_templates
from reconciler.logs import get_logger
from reconciler.model.desired import (
    AwsSecretSource,
    DesiredSecret,
    DesiredState,
    EnvSecretSource,
    IamRoleRef,
    SsmParameterRef,
    SsmSecretSource,
)
from reconciler.model.observed import AwsFacts, ObservedState
from reconciler.model.plan import Finding, Plan
from reconciler.model.progress import Tracker, quiet
from reconciler.run.scope import EVERYTHING, Scope

_log = get_logger("reconcile.plan")


@dataclass(frozen=True)
class PlanResult:
    desired: DesiredState
    observed: ObservedState
    plan: Plan


def uses_aws(desired: DesiredState) -> bool:
    """Whether any value or secret source needs an AWS call."""
    for repo in desired.repositories:
        secrets = [*repo.secrets.values()]
        values = [*repo.variables.values()]
        for env in repo.environments:
            secrets += env.secrets.values()
            values += env.variables.values()
        if any(isinstance(v, IamRoleRef | SsmParameterRef) for v in values):
            return True
        if any(isinstance(s.source, AwsSecretSource | SsmSecretSource) for s in secrets):
            return True
    return False


def estimate_requests(desired: DesiredState) -> int:
    """GitHub requests a converged plan needs (issue 7's budget; apply needs more)."""
    total = 0
    teams: set[str] = set()
    users: set[str] = set()
    for repo in desired.repositories:
        total += 3 + 2 * len(repo.environments)
        for env in repo.environments:
            total += env.branch_patterns is not None
            for r in env.reviewers:
                (teams if r.kind == "team" else users).add(r.name.lower())
    # One OIDC subject template per repository whose environments use IAM roles.
    templates = len(repositories_with_roles(desired)) if uses_aws(desired) else 0
    return total + 2 * len(teams) + len(users) + templates


def observe(
    desired: DesiredState,
    conn: GitHubConnection,
    *,
    concurrency: int = 8,
    aws_scope: DesiredState | None = None,
    track: Tracker = quiet,
    aws_sessions: AwsSessions | None = None,
) -> ObservedState:
    """GitHub and AWS are read at the same time: neither depends on the other."""
    aws_desired = aws_scope if aws_scope is not None else desired
    with_aws = uses_aws(aws_desired)
    with ThreadPoolExecutor(max_workers=3) as pool:
        # The OIDC subject templates (GitHub) are needed only to judge trust
        # policies, after AWS has been read: AWS waits for them only then.
        subjects_future = pool.submit(
            read_subject_templates,
            conn,
            repositories_with_roles(aws_desired) if with_aws else [],
            concurrency,
        )
        aws_future = pool.submit(
            lambda: (
                observe_aws(
                    aws_desired,
                    subjects=subjects_future.result,
                    track=track,
                    sessions=aws_sessions,
                )
                if with_aws
                else observe_env_sources(aws_desired)
            )
        )
        reviewers = {
            r for repo in desired.repositories for e in repo.environments for r in e.reviewers
        }
        # Once per run and needed by no other read: asked while the repositories are read.
        identities_future = pool.submit(resolve_identities, conn, desired.owner, reviewers)
        repositories = observe_github(conn, desired, concurrency=concurrency, track=track)
        identities = identities_future.result()
        aws = aws_future.result()
        subjects = subjects_future.result()
    return ObservedState(
        repositories=repositories, identities=identities, aws=aws, subjects=subjects
    )


def _checked_secrets(
    desired: DesiredState,
) -> Iterator[tuple[str, str | None, str, DesiredSecret]]:
    """(repository, environment or None, name, secret) for secrets with a dispatch check."""
    for repo in desired.repositories:
        for name, secret in repo.secrets.items():
            if secret.check is not None:
                yield repo.full_name, None, name, secret
        for env in repo.environments:
            for name, secret in env.secrets.items():
                if secret.check is not None:
                    yield repo.full_name, env.name, name, secret


def dispatch_findings(
    desired: DesiredState,
    conn: GitHubConnection,
    aws: AwsFacts | None = None,
    aws_sessions: AwsSessions | None = None,
) -> list[Finding]:
    """The handoff token check: the secret's value, read from its source, asked of GitHub.

    The value lives only in this frame; it is never logged or stored. A source
    in an AWS account that could not be read is skipped: the AWS finding says why.
    """
    findings: list[Finding] = []
    aws = aws if aws is not None else AwsFacts()
    checked = [
        (repository, environment, name, secret)
        for repository, environment, name, secret in _checked_secrets(desired)
        if isinstance(secret.source, EnvSecretSource) or aws.readable(secret.source.account_id)
    ]
    if not checked:
        return findings
    read_secret_value = secret_reader(desired, sessions=aws_sessions)
    for repository, environment, name, secret in checked:
        check = secret.check
        if check is None:
            continue  # _checked_secrets yields only secrets with a check
        try:
            token = read_secret_value(secret.source)
        except ReconcileError as exc:
            findings.append(
                source_unreadable_finding(
                    str(exc), secret_name=name, repository=repository, environment=environment
                )
            )
            continue
        findings += check_dispatch_token(
            conn.api_url,
            token,
            check.repository,
            secret_name=name,
            repository=repository,
            environment=environment,
            warn_days=check.expiry_warning_days,
            now=datetime.now(UTC),
            transport=conn.transport,
            pacer=conn.pacer.for_another_token(),
        )
        del token
    return findings


def make_plan(
    desired: DesiredState,
    conn: GitHubConnection,
    *,
    scope: Scope = EVERYTHING,
    concurrency: int = 8,
    track: Tracker = quiet,
    aws_sessions: AwsSessions | None = None,
) -> PlanResult:
    """`aws_sessions`: the run's AWS clients, when apply will read secrets with them too."""
    # AWS trusts are judged against every managed repository, not just the
    # filtered ones: a role shared with a repository left out by --repo is fine.
    everything = desired
    desired = scope.narrow(desired)
    if aws_sessions is None:
        aws_sessions = AwsSessions(everything.aws)
    observed = observe(
        desired,
        conn,
        concurrency=concurrency,
        aws_scope=everything,
        track=track,
        aws_sessions=aws_sessions,
    )
    plan = diff(desired, observed)
    # GitHub's plan decides which environment rules a private repository may have.
    billed = billing_to_check(plan)
    if billed:
        plan = plan.with_findings(
            billing_findings(plan, desired, repository_billing(conn, billed, desired.owner))
        )
    checks = reviewers_to_check(plan, desired)
    if checks:
        access = check_reviewer_access(conn, desired.owner, checks)
        plan = plan.with_findings(access_findings(access))
    plan = plan.with_findings(dispatch_findings(desired, conn, observed.aws, aws_sessions))
    plan = scope.restrict(plan)
    _log.debug("plan", **plan.summary)
    return PlanResult(desired=desired, observed=observed, plan=plan)
