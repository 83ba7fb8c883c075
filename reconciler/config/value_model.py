"""The values a variable may have in environments.yaml (docs/configuration.md, "Values"), and the
strict base every model of the file shares.

A variable is a string or a reference that AWS resolves: `{iam_role: NAME}`
(with the job contexts its trust is meant to admit beyond the environment,
`also_trusted`) or `{ssm_parameter: PATH}`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reconciler.config import name_rules


class StrictModel(BaseModel):
    # strict: YAML's "2" must not quietly become 2, nor "yes" a bool.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _check_trusted_context(entry: str) -> str:
    if "*" in entry or "?" in entry:
        raise PydanticCustomError(
            "trusted_wildcard",
            "is '{entry}', a wildcard; name each branch, tag or environment exactly, "
            "since a pattern would let every matching job take the role",
            {"entry": entry},
        )
    if not name_rules.TRUSTED_CONTEXT.match(entry):
        raise PydanticCustomError(
            "trusted_context",
            "is '{entry}', which is not a subject suffix GitHub issues: pull_request, "
            "ref:refs/heads/BRANCH, ref:refs/tags/TAG or environment:NAME",
            {"entry": entry},
        )
    return entry


TrustedContext = Annotated[
    str,
    AfterValidator(_check_trusted_context),
    Field(json_schema_extra={"pattern": name_rules.TRUSTED_CONTEXT.pattern}),
]


class VariableRef(StrictModel):
    """A variable whose value AWS knows: exactly one of the two keys."""

    iam_role: str | None = Field(
        default=None,
        description="IAM role name; the value is its ARN in the environment's account.",
    )
    ssm_parameter: str | None = Field(
        default=None,
        description="SSM Parameter Store path read in the environment's account.",
    )
    also_trusted: list[TrustedContext] | None = Field(
        default=None,
        description="With iam_role: job contexts beyond the environment that the role is "
        "meant to trust, per managed repository: pull_request, ref:refs/heads/BRANCH, "
        "ref:refs/tags/TAG or environment:NAME.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> VariableRef:
        if (self.iam_role is None) == (self.ssm_parameter is None):
            raise PydanticCustomError(
                "variable_source", "must have exactly one of 'iam_role' or 'ssm_parameter'"
            )
        if self.also_trusted is not None and self.iam_role is None:
            raise PydanticCustomError(
                "also_trusted_without_role",
                "has 'also_trusted' without 'iam_role'; only a role has a trust to widen",
            )
        return self

    @field_validator("also_trusted")
    @classmethod
    def _trusted_once(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) < len(value):
            twice = next(e for i, e in enumerate(value) if e in value[:i])
            raise PydanticCustomError("duplicate_context", "lists '{e}' twice", {"e": twice})
        return value


def _value_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "<text>"
    if isinstance(value, dict | VariableRef):
        return "<ref>"
    return None


VariableEntry = Annotated[
    Annotated[str, Tag("<text>")] | Annotated[VariableRef, Tag("<ref>")],
    Discriminator(
        _value_kind,
        custom_error_type="variable_value",
        custom_error_message="must be a string or a mapping with iam_role or ssm_parameter",
    ),
    Field(
        description="A string, or {iam_role: NAME} (optionally with also_trusted), "
        "or {ssm_parameter: PATH}."
    ),
]
