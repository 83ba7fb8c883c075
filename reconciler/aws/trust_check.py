"""One role's trust policy judged against the subjects its uses need (pure).

A use is a variable of an environment of a managed repository. The job of
that environment presents the subject GitHub issues for it, spelled by the
repository's OIDC subject template (`reconciler.model.subjects`); the trust must
admit it (else `aws.trust_mismatch`) and, where the environment has
reviewers, nothing beyond the allowed subjects: those of every use, plus the
contexts each value declares in `also_trusted` (else `aws.trust_too_broad`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from reconciler.aws import trust
from reconciler.aws.targets import RoleTarget, Usage
from reconciler.model.findings import Code
from reconciler.model.subjects import SubjectTemplate, default_template, environment_context

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Verdict:
    severity: Severity
    code: Code
    message: str
    uses: tuple[Usage, ...]


def judge_trust(
    statements: tuple[trust.Statement, ...],
    account: str,
    role: RoleTarget,
    uses: Iterable[Usage],
    subjects: Mapping[str, SubjectTemplate],
) -> list[Verdict]:
    """Findings about one role's trust; `subjects` maps folded "owner/repo" to its
    template (a repository missing from it uses GitHub's default)."""
    out: list[Verdict] = []
    judged: list[tuple[Usage, SubjectTemplate, str]] = []
    # Repository-level variables carry no environment, so there is no single
    # subject to check them against; only existence is verified for them.
    for use in uses:
        if use.environment is None:
            continue
        template = subjects.get(use.repository.lower()) or default_template(use.owner, use.repo)
        subject = template.subject(environment_context(use.environment))
        unknown = template.unknowable()
        if unknown or subject is None:  # a value is missing exactly when a key is unknowable
            out.append(_unpredictable(role, account, use, template, unknown))
            continue
        judged.append((use, template, subject))
    allowed = {subject for _, _, subject in judged}
    for use, template, _ in judged:
        allowed.update(s for s in map(template.subject, use.also_trusted) if s is not None)
    # The same jobs' subjects under GitHub's default template are stale once the
    # template changes, not broader: only this repository's jobs could carry them.
    excusable = set(allowed)
    for use, _, _ in judged:
        plain = default_template(use.owner, use.repo)
        contexts = (environment_context(use.environment or ""), *use.also_trusted)
        excusable.update(s for s in map(plain.subject, contexts) if s is not None)
    provider = trust.provider_arn(account)
    for use, template, subject in judged:
        if not trust.admits(statements, provider, subject):
            spelled = "" if template.claim_keys is None else f", as {template.describe()} spells it"
            out.append(
                Verdict(
                    "error",
                    Code.TRUST_MISMATCH,
                    f"role {role.role_name} in account {account} does not trust {subject}"
                    f"{spelled} through {provider} with aud {trust.AUDIENCE} "
                    f"(sts:AssumeRoleWithWebIdentity), so {use.name} cannot be used",
                    (use,),
                )
            )
    out += _too_broad(statements, account, role, judged, excusable)
    return out


def _too_broad(
    statements: tuple[trust.Statement, ...],
    account: str,
    role: RoleTarget,
    judged: list[tuple[Usage, SubjectTemplate, str]],
    allowed: set[str],
) -> list[Verdict]:
    guarded = [use for use, _, _ in judged if use.required_approvals >= 1]
    if not guarded:
        return []
    probes = {p for use, t, _ in judged for p in t.probes(use.environment or "")}
    excess = trust.excess_subjects(statements, trust.provider_arn(account), allowed, probes)
    if not excess:
        return []
    shown = ", ".join(excess[:5]) + (f" and {len(excess) - 5} more" if len(excess) > 5 else "")
    return [
        Verdict(
            "error" if use.required_approvals >= 2 else "warning",
            Code.TRUST_TOO_BROAD,
            f"role {role.role_name} in account {account} ({use.name}) also trusts {shown}; "
            "a job that skips this environment's reviewers could assume it",
            (use,),
        )
        for use in guarded
    ]


def _unpredictable(
    role: RoleTarget,
    account: str,
    use: Usage,
    template: SubjectTemplate,
    unknown: tuple[str, ...],
) -> Verdict:
    return Verdict(
        "warning",
        Code.SUBJECT_UNPREDICTABLE,
        f"cannot judge the trust of role {role.role_name} in account {account} ({use.name}): "
        f"{use.repository} uses {template.describe()}, and reconcile cannot know "
        f"{', '.join(unknown)} before a job runs; check the trust policy against the "
        "subject of a real job's token",
        (use,),
    )
