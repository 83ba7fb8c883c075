"""What a change's `before` and `after` hold, one type per resource.

The diff builds these and the applier reads them; their `to_json` is the
plan file's `before`/`after` object (docs/plan-format.md), and `from_json`
reads a saved plan back. A secret payload has no value field at all: a plan
shows `(sensitive)` in its place, even one read from a tampered file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from reconciler.model.json_fields import json_field
from reconciler.model.secret_sources import SecretSource, parse_secret_source

SENSITIVE = "(sensitive)"

# GitHub did not report admins' bypass (shown as null); None: not part of the change.
BYPASS_UNKNOWN: Literal["unknown"] = "unknown"


@dataclass(frozen=True)
class EnvironmentSettings:
    """The settings a change shows; a field left None is not part of it."""

    reviewers: tuple[str, ...] | None = None
    prevent_self_review: bool | None = None
    wait_timer: int | None = None
    admins_bypass: bool | Literal["unknown"] | None = None
    deployment_branch_policy: Literal["all", "protected", "custom"] | None = None

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        for f in fields(self):
            item = getattr(self, f.name)
            if item is None:
                continue
            if isinstance(item, tuple):
                item = list(item)
            shown[f.name] = None if item == BYPASS_UNKNOWN else item
        return shown

    @property
    def enterprise_rules(self) -> str | None:
        """In words, the rules that need GitHub Enterprise on a private repository;
        reviewers with prevent_self_review are 4-eyes (docs/configuration.md, "Approvals")."""
        if self.reviewers and self.prevent_self_review:
            return "4-eyes (required reviewers)"
        if self.reviewers:
            return "required reviewers"
        return "a wait timer" if self.wait_timer else None

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], where: str) -> EnvironmentSettings:
        def get(key: str, kinds: tuple[type, ...]) -> Any:
            return json_field(doc, key, kinds, where) if key in doc else None

        reviewers = get("reviewers", (list,))
        if reviewers is not None and not all(isinstance(r, str) for r in reviewers):
            raise ValueError(f"{where}.reviewers is not a list of strings")
        bypass = get("admins_bypass", (bool, type(None)))
        policy = get("deployment_branch_policy", (str,))
        if policy not in (None, "all", "protected", "custom"):
            raise ValueError(
                f"{where}.deployment_branch_policy is {policy!r}, expected all, protected or custom"
            )
        return cls(
            reviewers=tuple(reviewers) if reviewers is not None else None,
            prevent_self_review=get("prevent_self_review", (bool,)),
            wait_timer=get("wait_timer", (int,)),
            admins_bypass=BYPASS_UNKNOWN if "admins_bypass" in doc and bypass is None else bypass,
            deployment_branch_policy=policy,
        )


@dataclass(frozen=True)
class VariablePayload:
    value: str
    # Where a value AWS could not give would come from (`iam_role:NAME@ACCOUNT`);
    # None for a known value.
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.source is None:
            return {"value": self.value}
        return {"value": self.value, "source": self.source}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], where: str) -> VariablePayload:
        source = doc.get("source")
        if source is not None and not isinstance(source, str):
            raise ValueError(f"{where}.source is not a string")
        return cls(json_field(doc, "value", (str,), where), source)


@dataclass(frozen=True)
class SecretSourcePayload:
    """Where apply reads the value (shown as `aws_secret:NAME`, `env:VAR`, ...)."""

    source: SecretSource

    def to_json(self) -> dict[str, Any]:
        return {"value": SENSITIVE, "source": self.source.describe()}


@dataclass(frozen=True)
class SecretStatePayload:
    """A secret as GitHub holds it: only when it was written (None: not said)."""

    updated_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {"value": SENSITIVE, "updated_at": self.updated_at}


SecretPayload = SecretSourcePayload | SecretStatePayload


def secret_from_json(doc: Mapping[str, Any], where: str) -> SecretPayload:
    # Any "value" in the file is dropped here: secret values never enter a plan.
    if "source" in doc:
        text = json_field(doc, "source", (str,), where)
        try:
            return SecretSourcePayload(parse_secret_source(text))
        except ValueError as exc:
            raise ValueError(f"{where}.source: {exc}") from None
    updated_at = (
        json_field(doc, "updated_at", (str, type(None)), where) if "updated_at" in doc else None
    )
    return SecretStatePayload(updated_at)


@dataclass(frozen=True)
class BranchPolicyPayload:
    type: Literal["branch", "tag"]
    pattern: str

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "pattern": self.pattern}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], where: str) -> BranchPolicyPayload:
        kind = json_field(doc, "type", (str,), where)
        if kind not in ("branch", "tag"):
            raise ValueError(f"{where}.type is {kind!r}, expected branch or tag")
        return cls("tag" if kind == "tag" else "branch", json_field(doc, "pattern", (str,), where))


Payload = EnvironmentSettings | VariablePayload | SecretPayload | BranchPolicyPayload
