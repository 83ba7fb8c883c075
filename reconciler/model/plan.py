"""The plan: typed changes, findings and unmanaged items, in a stable order.

A plan is a plain value. `reconciler.diff` makes it, `reconciler.render` shows
it and `reconciler.run.applier` carries it out. Its JSON form is docs/plan-format.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict, TypeVar, Unpack

from reconciler.model.findings import Code
from reconciler.model.json_fields import json_field as _field
from reconciler.model.json_fields import json_object as _object
from reconciler.model.payloads import (
    SENSITIVE,
    BranchPolicyPayload,
    EnvironmentSettings,
    Payload,
    SecretSourcePayload,
    SecretStatePayload,
    VariablePayload,
    secret_from_json,
)

__all__ = ["SENSITIVE", "Action", "Change", "Finding", "Plan", "Resource", "Severity", "Unmanaged"]

# In place of a value only AWS can give, when AWS could not be read (like SENSITIVE,
# a marker in the value's place keeps the plan JSON's shape).
AWS_UNREADABLE = "(known after AWS is readable)"

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


# The changes about secrets, whose values no output shows. The guarantee itself is in
# the types: a secret change's payloads have no value field, so even a tampered plan
# file has no secret value to show.
SECRET_RESOURCES = frozenset({Resource.SECRET, Resource.REPOSITORY_SECRET})


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


StrEnumT = TypeVar("StrEnumT", bound=StrEnum)


# Display and sort order of resources inside one environment.
_RESOURCE_ORDER = {r: i for i, r in enumerate(Resource)}


_PAYLOADS: dict[Resource, tuple[type, ...]] = {
    Resource.ENVIRONMENT: (EnvironmentSettings,),
    Resource.VARIABLE: (VariablePayload,),
    Resource.REPOSITORY_VARIABLE: (VariablePayload,),
    Resource.SECRET: (SecretSourcePayload, SecretStatePayload),
    Resource.REPOSITORY_SECRET: (SecretSourcePayload, SecretStatePayload),
    Resource.BRANCH_POLICY: (BranchPolicyPayload,),
}


class Where(TypedDict):
    """Where a change writes; the factories below take it as keyword arguments."""

    repository: str
    environment: str | None
    name: str


@dataclass(frozen=True, kw_only=True)
class Change:
    """One write. Made with `create`, `update` or `delete`; payloads match the resource."""

    action: Action
    resource: Resource
    repository: str
    environment: str | None
    name: str
    before: Payload | None
    after: Payload | None
    reason: str

    def __post_init__(self) -> None:
        wanted = _PAYLOADS[self.resource]
        for side in (self.before, self.after):
            if side is not None and not isinstance(side, wanted):
                kind = type(side).__name__
                raise TypeError(f"a {self.resource.value} change cannot carry a {kind}")

    @classmethod
    def create(
        cls, resource: Resource, *, after: Payload, reason: str = "missing", **at: Unpack[Where]
    ) -> Change:
        return cls(
            action=Action.CREATE, resource=resource, before=None, after=after, reason=reason, **at
        )

    @classmethod
    def update(
        cls,
        resource: Resource,
        *,
        before: Payload,
        after: Payload,
        reason: str,
        **at: Unpack[Where],
    ) -> Change:
        return cls(
            action=Action.UPDATE, resource=resource, before=before, after=after, reason=reason, **at
        )

    @classmethod
    def delete(
        cls, resource: Resource, *, before: Payload, reason: str, **at: Unpack[Where]
    ) -> Change:
        return cls(
            action=Action.DELETE, resource=resource, before=before, after=None, reason=reason, **at
        )

    @property
    def id(self) -> str:
        """Stable across runs: the same drift always has the same id."""
        env = self.environment.lower() if self.environment is not None else "-"
        # Git refs are case-sensitive, so branch patterns keep their case; every
        # other name is case-insensitive on GitHub (docs/configuration.md, "Names").
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
            "before": self.before.to_json() if self.before is not None else None,
            "after": self.after.to_json() if self.after is not None else None,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "change") -> Change:
        doc = _object(data, where)
        resource = _enum(Resource, doc, "resource", where)
        before = _field(doc, "before", (dict, type(None)), where)
        after = _field(doc, "after", (dict, type(None)), where)
        return cls(
            action=_enum(Action, doc, "action", where),
            resource=resource,
            repository=_field(doc, "repository", str, where),
            environment=_field(doc, "environment", (str, type(None)), where),
            name=_field(doc, "name", str, where),
            before=_payload(resource, before, f"{where}.before"),
            after=_payload(resource, after, f"{where}.after"),
            reason=_field(doc, "reason", str, where),
        )


def _payload(resource: Resource, doc: Mapping[str, Any] | None, where: str) -> Payload | None:
    if doc is None:
        return None
    match resource:
        case Resource.ENVIRONMENT:
            return EnvironmentSettings.from_json(doc, where)
        case Resource.VARIABLE | Resource.REPOSITORY_VARIABLE:
            return VariablePayload.from_json(doc, where)
        case Resource.SECRET | Resource.REPOSITORY_SECRET:
            return secret_from_json(doc, where)
        case Resource.BRANCH_POLICY:
            return BranchPolicyPayload.from_json(doc, where)


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: Code
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
    def from_json(cls, data: Any, where: str = "finding") -> Finding:
        doc = _object(data, where)
        return cls(
            severity=_enum(Severity, doc, "severity", where),
            code=_enum(Code, doc, "code", where),
            message=_field(doc, "message", str, where),
            repository=_field(doc, "repository", (str, type(None)), where, None),
            environment=_field(doc, "environment", (str, type(None)), where, None),
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
    def from_json(cls, data: Any, where: str = "unmanaged item") -> Unmanaged:
        doc = _object(data, where)
        return cls(
            resource=_enum(Resource, doc, "resource", where),
            repository=_field(doc, "repository", str, where),
            environment=_field(doc, "environment", (str, type(None)), where, None),
            name=_field(doc, "name", str, where),
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
    def from_json(cls, data: Any) -> Plan:
        """A plan file read back; ValueError with one sentence naming what is wrong."""
        doc = _object(data, "the plan")
        if doc.get("version") != PLAN_VERSION:
            raise ValueError(f"unsupported plan version {doc.get('version')!r}; expected 1")
        changes = _field(doc, "changes", list, "the plan")
        findings = _field(doc, "findings", list, "the plan")
        unmanaged = _field(doc, "unmanaged", list, "the plan", [])
        return cls.build(
            [Change.from_json(c, f"changes[{i}]") for i, c in enumerate(changes)],
            [Finding.from_json(f, f"findings[{i}]") for i, f in enumerate(findings)],
            [Unmanaged.from_json(u, f"unmanaged[{i}]") for i, u in enumerate(unmanaged)],
        )


def _enum(enum: type[StrEnumT], doc: Mapping[str, Any], key: str, where: str) -> StrEnumT:
    value = _field(doc, key, str, where)
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise ValueError(f"{where}.{key} is {value!r}, expected one of {known}") from None
