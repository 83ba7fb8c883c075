"""`--repo` and `--env` filters: narrow the desired state before anything is read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reconciler.errors import ReconcileError
from reconciler.model.desired import DesiredState
from reconciler.model.plan import Plan


@dataclass(frozen=True)
class Scope:
    repos: tuple[str, ...] = ()
    envs: tuple[str, ...] = ()

    @classmethod
    def of(cls, repos: Sequence[str], envs: Sequence[str]) -> Scope:
        return cls(tuple(r.lower() for r in repos), tuple(e.lower() for e in envs))

    def narrow(self, desired: DesiredState) -> DesiredState:
        """The desired state limited to the filters; an unknown name is an error."""
        known = {r.name.lower() for r in desired.repositories}
        unknown = [r for r in self.repos if desired.repository(r) is None]
        if unknown:
            raise ReconcileError(
                f"--repo {unknown[0]!r} is not a repository of the config "
                f"(known: {', '.join(sorted(known))})"
            )
        wanted = {r.lower() for r in self.repos}
        repos = [
            r
            for r in desired.repositories
            if not wanted or r.name.lower() in wanted or r.full_name.lower() in wanted
        ]
        if self.envs:
            env_names = {e.name.lower(): e.name for r in repos for e in r.environments}
            missing = [e for e in self.envs if e not in env_names]
            if missing:
                where = "of the config" if not self.repos else "of the repositories chosen"
                raise ReconcileError(
                    f"--env {missing[0]!r} is not an environment {where} "
                    f"(known: {', '.join(sorted(env_names.values()))})"
                )
        return replace(desired, repositories=tuple(repos))

    def covers(self, repository: str, environment: str | None) -> bool:
        """Whether an item of this repository (and environment; None: repository level)
        is inside the filters (with --env, repository-level items are not)."""
        return self._has_repo(repository) and self._has_env(environment)

    def _has_repo(self, repository: str | None) -> bool:
        if not self.repos or repository is None:
            return True
        folded = repository.lower()
        return folded in self.repos or folded.rsplit("/", 1)[-1] in self.repos

    def _has_env(self, environment: str | None) -> bool:
        return not self.envs or (environment is not None and environment.lower() in self.envs)

    def restrict(self, plan: Plan) -> Plan:
        """Drop what the filters leave out (with --env, repository-level items too)."""
        if not self.envs and not self.repos:
            return plan
        return Plan.build(
            (c for c in plan.changes if self.covers(c.repository, c.environment)),
            (
                f
                for f in plan.findings
                if self._has_repo(f.repository)
                and (f.environment is None or self._has_env(f.environment))
            ),
            (u for u in plan.unmanaged if self.covers(u.repository, u.environment)),
        )


EVERYTHING = Scope()
