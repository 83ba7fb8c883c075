"""The plan: typed changes, findings and unmanaged items, in a stable order.

A plan is a plain value. `reconciler.diff` makes it, `reconciler.render` shows
it and `reconciler.apply` carries it out. Its JSON form is SPEC section 4.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

SENSITIVE = "(sensitive)"
# In place of a value only AWS can give, when AWS could not be read (like SENSITIVE,
# a marker in the value's place keeps SPEC section 4's shape).
UNKNOWN = "(known after AWS is readable)"
PLAN_VERSION = 1


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Resource(StrEnum):
    ENVIRONMENT = "environment"
    VARIABLE = "variable"
    SECRET = "secret"
    REPOSITORY_VARIABLE = "repository_variable"
    REPOSITORY_SECRET = "repository_secret"
    BRANCH_POLICY = "branch_policy"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# Display and sort order of resources inside one environment.
_RESOURCE_ORDER = {r: i for i, r in enumerate(Resource)}


@dataclass(frozen=True)
class Change:
    action: Action
    resource: Resource
    repository: str
    environment: str | None
    name: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    reason: str

    @property
    def id(self) -> str:
        """Stable across runs: the same drift always has the same id."""
        env = self.environment.lower() if self.environment is not None else "-"
        # Git refs are case-sensitive, so branch patterns keep their case; every
        # other name is case-insensitive on GitHub (SPEC 3.3).
        name = self.name if self.resource is Resource.BRANCH_POLICY else self.name.lower()
        return f"{self.repository.lower()}/{env}/{self.resource.value}/{name}/{self.action.value}"

    @property
    def sort_key(self) -> tuple[str, str, int, str]:
        env = self.environment.lower() if self.environment is not None else ""
        return (self.repository.lower(), env, _RESOURCE_ORDER[self.resource], self.name.lower())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action.value,
            "resource": self.resource.value,
            "repository": self.repository,
            "environment": self.environment,
            "name": self.name,
            "before": dict(self.before) if self.before is not None else None,
            "after": dict(self.after) if self.after is not None else None,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            action=Action(data["action"]),
            resource=Resource(data["resource"]),
            repository=data["repository"],
            environment=data["environment"],
            name=data["name"],
            before=data["before"],
            after=data["after"],
            reason=data["reason"],
        )


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    message: str
    repository: str | None = None
    environment: str | None = None

    @property
    def sort_key(self) -> tuple[str, str, int, str, str]:
        return (
            (self.repository or "").lower(),
            (self.environment or "").lower(),
            0 if self.severity is Severity.ERROR else 1,
            self.code,
            self.message,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "repository": self.repository,
            "environment": self.environment,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            severity=Severity(data["severity"]),
            code=data["code"],
            message=data["message"],
            repository=data.get("repository"),
            environment=data.get("environment"),
        )


@dataclass(frozen=True)
class Unmanaged:
    resource: Resource
    repository: str
    environment: str | None
    name: str

    @property
    def sort_key(self) -> tuple[str, str, int, str]:
        env = (self.environment or "").lower()
        return (self.repository.lower(), env, _RESOURCE_ORDER[self.resource], self.name.lower())

    def to_json(self) -> dict[str, Any]:
        return {
            "resource": self.resource.value,
            "repository": self.repository,
            "environment": self.environment,
            "name": self.name,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Unmanaged:
        return cls(
            resource=Resource(data["resource"]),
            repository=data["repository"],
            environment=data.get("environment"),
            name=data["name"],
        )


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...] = ()
    findings: tuple[Finding, ...] = ()
    unmanaged: tuple[Unmanaged, ...] = field(default=())

    @classmethod
    def build(
        cls,
        changes: Iterable[Change],
        findings: Iterable[Finding] = (),
        unmanaged: Iterable[Unmanaged] = (),
    ) -> Plan:
        """A plan with everything in its stable order and duplicates dropped."""
        unique_changes = {c.id: c for c in changes}.values()
        return cls(
            changes=tuple(sorted(unique_changes, key=lambda c: c.sort_key)),
            findings=tuple(sorted(set(findings), key=lambda f: f.sort_key)),
            unmanaged=tuple(sorted(set(unmanaged), key=lambda u: u.sort_key)),
        )

    def with_findings(self, extra: Iterable[Finding]) -> Plan:
        return Plan.build(self.changes, (*self.findings, *extra), self.unmanaged)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def has_drift(self) -> bool:
        """What `--detailed-exitcode` reports as 2: any change or error finding."""
        return bool(self.changes) or bool(self.errors)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "create": self.count(Action.CREATE),
            "update": self.count(Action.UPDATE),
            "delete": self.count(Action.DELETE),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "version": PLAN_VERSION,
            "changes": [c.to_json() for c in self.changes],
            "findings": [f.to_json() for f in self.findings],
            "unmanaged": [u.to_json() for u in self.unmanaged],
            "summary": self.summary,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        if data.get("version") != PLAN_VERSION:
            raise ValueError(f"unsupported plan version {data.get('version')!r}; expected 1")
        return cls.build(
            (Change.from_json(c) for c in data["changes"]),
            (Finding.from_json(f) for f in data["findings"]),
            (Unmanaged.from_json(u) for u in data.get("unmanaged", [])),
        )

    def filtered(self, changes: Iterable[Change]) -> Plan:
        return replace(self, changes=tuple(changes))
