"""The `sub` claim GitHub's OIDC provider puts in a job's token (pure; no I/O).

By default GitHub writes `repo:OWNER/REPO:` followed by the job's context:
`environment:NAME` for a job that runs in an environment, else
`pull_request`, `ref:refs/heads/BRANCH` or `ref:refs/tags/TAG`. A repository,
or its organization when the repository opts in, may replace that template by
a list of claim keys; the subject is then each key written `key:value`,
joined with `:`, where `repo` and `context` keep the default's spelling (so
`[repo, context]` is the default again). A `:` inside a value is written
`%3A`. Repositories using immutable subjects carry the owner's and the
repository's ids in the repo part: `repo:OWNER@OWNER_ID/REPO@REPO_ID`.

Sources: GitHub's "OpenID Connect reference" (Example subject claims,
Customizing the subject claims, Immutable subject claims).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

# Claim keys whose value, for a job in a given repository and environment, is
# known before the job runs. Every other key (ref, sha, actor, workflow,
# job_workflow_ref, event_name, run_id, ...) depends on the run itself.
PLAN_TIME_KEYS = frozenset(
    {
        "repo",
        "context",
        "repository",
        "repository_owner",
        "repository_id",
        "repository_owner_id",
        "repository_visibility",
        "environment",
    }
)
ID_KEYS = frozenset({"repository_id", "repository_owner_id"})

# Stand-ins for "another repository / owner" when probing a trust policy.
PROBE_NAME = "reconcile-probe"
PROBE_OWNER = "reconcile-probe-owner"
_PROBE_ID = 987654321

Origin = Literal["default", "repository", "organization"]


def escape(value: str) -> str:
    return value.replace(":", "%3A")


def environment_context(name: str) -> str:
    """The context of a job that runs in environment `name`."""
    return f"environment:{escape(name)}"


@dataclass(frozen=True)
class SubjectTemplate:
    """How GitHub writes the subject of one repository's jobs."""

    owner: str  # as GitHub spells it
    repo: str
    claim_keys: tuple[str, ...] | None = None  # None: GitHub's default template
    origin: Origin = "default"
    immutable: bool = False
    owner_id: int | None = None
    repo_id: int | None = None
    visibility: str | None = None
    # Why the template could not be read; GitHub's default is assumed then.
    problem: str | None = None

    @property
    def repo_part(self) -> str:
        if self.immutable and self.owner_id is not None and self.repo_id is not None:
            return f"repo:{self.owner}@{self.owner_id}/{self.repo}@{self.repo_id}"
        return f"repo:{self.owner}/{self.repo}"

    def unknowable(self) -> tuple[str, ...]:
        """Keys of the template whose value reconcile cannot know before a job runs."""
        keys = self.claim_keys if self.claim_keys is not None else ("repo", "context")
        out = [k for k in keys if k not in PLAN_TIME_KEYS]
        out += [k for k in keys if k in ID_KEYS and self._value(k, "") is None]
        if "repository_visibility" in keys and self.visibility is None:
            out.append("repository_visibility")
        if self.immutable and "repo" in keys and (self.owner_id is None or self.repo_id is None):
            out.append("repo")
        return tuple(dict.fromkeys(out))

    def subject(self, context: str) -> str | None:
        """The subject of a job with this context; None when GitHub would issue none
        (a template with `environment` for a job outside any environment)."""
        if self.claim_keys is None:
            return f"{self.repo_part}:{context}"
        parts: list[str] = []
        for key in self.claim_keys:
            value = self._value(key, context)
            if value is None:
                return None
            parts.append(value)
        return ":".join(parts)

    def _value(self, key: str, context: str) -> str | None:
        fixed = {
            "repo": self.repo_part,
            "context": context,
            "repository": f"repository:{escape(f'{self.owner}/{self.repo}')}",
            "repository_owner": f"repository_owner:{escape(self.owner)}",
        }
        if key in fixed:
            return fixed[key]
        if key == "environment":
            name = context.removeprefix("environment:")
            return f"environment:{name}" if context.startswith("environment:") else None
        known = {
            "repository_id": self.repo_id,
            "repository_owner_id": self.owner_id,
            "repository_visibility": self.visibility,
        }.get(key)
        return None if known is None else f"{key}:{escape(str(known))}"

    def probes(self, environment: str) -> tuple[str, ...]:
        """Subjects of jobs that must not get a role meant for `environment` of this
        repository: another repository or owner, another environment, a branch, a
        tag, a pull request. A template may make some of them equal to the real
        subject (then no trust can tell them apart, and they are not probes)."""
        contexts = [
            environment_context(f"{environment}-{PROBE_NAME}"),
            environment_context(PROBE_NAME),
            "ref:refs/heads/main",
            f"ref:refs/heads/{PROBE_NAME}",
            "ref:refs/tags/v1.0.0",
            "pull_request",
        ]
        others = [
            replace(self, repo=PROBE_NAME, repo_id=_PROBE_ID),
            replace(self, owner=PROBE_OWNER, owner_id=_PROBE_ID),
        ]
        found = [self.subject(c) for c in contexts]
        found += [o.subject(environment_context(environment)) for o in others]
        return tuple(sorted({s for s in found if s is not None}))

    def describe(self) -> str:
        if self.claim_keys is None:
            kind = "immutable " if self.immutable else ""
            return f"GitHub's default {kind}subject template"
        where = "repository's" if self.origin == "repository" else "organization's"
        return f"the {where} OIDC subject template ({', '.join(self.claim_keys)})"


def default_template(owner: str, repo: str) -> SubjectTemplate:
    return SubjectTemplate(owner, repo)
