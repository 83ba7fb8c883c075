"""The pydantic model of environments.yaml, version 1 (docs/configuration.md).

It checks what one value can tell on its own (types, ranges, syntax); rules
that need the whole file (accounts, merges, names across scopes) live in
`reconciler.config.semantics`. Every field has a description: they become the
JSON Schema that editors show while typing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reconciler.config import name_rules
from reconciler.config.value_model import StrictModel, VariableEntry

# strict: YAML's "2" must not quietly become 2, nor "yes" a bool.
_Model = StrictModel


def _null_is_empty(data: Any) -> Any:
    """`alphaswarm_platform:` with nothing after it means `{}`."""
    return {} if data is None else data


def _nullable_entries(schema: dict[str, Any]) -> None:
    """Schema twin of _null_is_empty: a mapping entry may be left empty."""
    schema["additionalProperties"] = {"anyOf": [schema["additionalProperties"], {"type": "null"}]}


def _check_account_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        raise PydanticCustomError(
            "account_unquoted",
            "is a number; write the account id in quotes so YAML keeps all 12 digits",
        )
    if isinstance(value, str) and not name_rules.ACCOUNT_ID.match(value):
        raise PydanticCustomError(
            "account_digits",
            "must be a 12-digit AWS account id, not '{value}' ({length} characters)",
            {"value": value, "length": len(value)},
        )
    return value


AccountId = Annotated[
    str,
    # Runs before the strict str check so an unquoted number gets its own advice.
    BeforeValidator(_check_account_id),
    Field(
        description='A 12-digit AWS account id, quoted, e.g. "111111111111".',
        json_schema_extra={"pattern": r"^[0-9]{12}$"},
    ),
]


class GitHubSettings(_Model):
    owner: str = Field(description="The user or organization that owns every repository.")

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if not name_rules.OWNER.match(value):
            raise PydanticCustomError("owner_name", "is not a valid GitHub user or organization")
        return value


class AwsSettings(_Model):
    region: str | None = Field(
        default=None,
        description="AWS region for SSM and Secrets Manager; default AWS_REGION.",
    )
    read_role: str | None = Field(
        default=None,
        description="Name of a read-only IAM role assumed in each account to read it.",
    )
    accounts: dict[str, AccountId] = Field(
        default_factory=dict,
        description="Environment name -> the 12-digit AWS account id of that environment.",
    )

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not name_rules.AWS_REGION.match(value):
            raise PydanticCustomError("aws_region", "is not an AWS region such as us-east-1")
        return value

    @field_validator("read_role")
    @classmethod
    def _read_role(cls, value: str | None) -> str | None:
        if value is not None and not name_rules.IAM_ROLE_NAME.match(value):
            raise PydanticCustomError("role_name", "is not an IAM role name")
        return value


# A year: a longer horizon would warn about a typical token for its whole life.
_DEFAULT_EXPIRY_WARNING_DAYS = 14
_MAX_EXPIRY_WARNING_DAYS = 365


class DispatchCheckSettings(_Model):
    repository_dispatch: str = Field(
        description="A repository of github.owner the token must be able to dispatch to.",
    )
    expiry_warning_days: int = Field(
        default=_DEFAULT_EXPIRY_WARNING_DAYS,
        description="Warn when the token expires within this many days, 1..365; default 14.",
        json_schema_extra={"minimum": 1, "maximum": _MAX_EXPIRY_WARNING_DAYS},
    )

    @field_validator("expiry_warning_days")
    @classmethod
    def _expiry_warning_days(cls, value: int) -> int:
        if not 1 <= value <= _MAX_EXPIRY_WARNING_DAYS:
            raise PydanticCustomError(
                "expiry_warning_days_range",
                "must be between 1 and 365 days, not {v}",
                {"v": value},
            )
        return value


class SecretBase(_Model):
    aws_secret: str | None = Field(
        default=None, description="Secrets Manager secret id; its SecretString is the value."
    )
    ssm_parameter: str | None = Field(
        default=None, description="SSM SecureString parameter path, decrypted."
    )
    env: str | None = Field(
        default=None, description="Name of a variable in the environment of the reconcile run."
    )
    check: DispatchCheckSettings | None = Field(
        default=None, description="Ask plan to verify the GitHub token this secret holds."
    )

    @model_validator(mode="before")
    @classmethod
    def _not_literal(cls, data: Any) -> Any:
        if isinstance(data, str | int | float | bool):
            # Never echo the value: it may be the very secret.
            raise PydanticCustomError(
                "literal_secret",
                "is written as a literal value, but secrets are never written in the file; "
                "give a source instead: aws_secret, ssm_parameter or env",
            )
        return data

    @model_validator(mode="after")
    def _one_source(self) -> SecretBase:
        given = [s for s in (self.aws_secret, self.ssm_parameter, self.env) if s is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "secret_source", "must have exactly one of 'aws_secret', 'ssm_parameter' or 'env'"
            )
        return self


class EnvironmentSecret(SecretBase):
    """An environment secret; AWS sources are read in the environment's account."""


class RepositorySecret(SecretBase):
    """A repository-level Actions secret."""

    account: str | None = Field(
        default=None,
        description="Environment whose AWS account holds the source; default the caller's.",
    )


def _check_patterns(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    seen: set[str] = set()
    for pattern in value:
        if pattern in seen:
            raise PydanticCustomError("duplicate_pattern", "lists '{p}' twice", {"p": pattern})
        seen.add(pattern)
    return value


def _check_reviewer(entry: str) -> str:
    if name_rules.parse_reviewer(entry) is None:
        raise PydanticCustomError(
            "reviewer_syntax",
            "is '{entry}', which is neither 'team:<slug>' nor 'user:<login>'",
            {"entry": entry},
        )
    return entry


def _check_pattern(pattern: str) -> str:
    if not pattern.strip():
        raise PydanticCustomError("empty_pattern", "is empty; give a branch or tag pattern")
    return pattern


Pattern = Annotated[str, AfterValidator(_check_pattern)]


def _check_protected(word: str) -> str:
    if word != name_rules.PROTECTED_BRANCHES:
        raise PydanticCustomError(
            "branches_word",
            "is '{word}', but the one word it takes is 'protected' (GitHub's protected "
            "branches only); write branch patterns as a list, such as [{word}]",
            {"word": word},
        )
    return word


def _branches_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "<word>"
    return "<patterns>" if isinstance(value, list) else None


# A list of patterns, or the word `protected` where the list would go.
DeploymentBranches = Annotated[
    Annotated[list[Pattern], Tag("<patterns>")]
    | Annotated[
        str,
        AfterValidator(_check_protected),
        WithJsonSchema({"type": "string", "const": name_rules.PROTECTED_BRANCHES}),
        Tag("<word>"),
    ],
    Discriminator(
        _branches_kind,
        custom_error_type="deployment_branches",
        custom_error_message="must be a list of branch patterns, or the word 'protected'",
    ),
]


class _EnvironmentFields(_Model):
    reviewers: list[Annotated[str, AfterValidator(_check_reviewer)]] | None = Field(
        default=None,
        description="Up to 6 reviewers, each 'team:<slug>' or 'user:<login>'.",
    )
    prevent_self_review: bool | None = Field(
        default=None,
        description="The person who started a run cannot approve it; default true for 2.",
    )
    wait_timer: int | None = Field(
        default=None, description="Minutes to wait before a job may start, 0..43200; default 0."
    )
    admins_bypass: bool | None = Field(
        default=None,
        description=(
            "Administrators may bypass the protection rules (GitHub's can_admins_bypass); "
            "default false with reviewers, left as it is without."
        ),
    )
    deployment_branches: DeploymentBranches | None = Field(
        default=None,
        description=(
            "Branch name patterns allowed to deploy (fnmatch style), or 'protected': "
            "only branches with protection rules may deploy (then no deployment_tags)."
        ),
    )
    deployment_tags: list[Pattern] | None = Field(
        default=None, description="Tag name patterns allowed to deploy (fnmatch style)."
    )
    variables: dict[str, VariableEntry] = Field(
        default_factory=dict, description="Environment variables, merged over the top level's."
    )
    secrets: dict[str, EnvironmentSecret] = Field(
        default_factory=dict, description="Environment secrets, by name, from their sources."
    )

    @field_validator("reviewers")
    @classmethod
    def _reviewers(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if len(value) > name_rules.MAX_REVIEWERS:
            raise PydanticCustomError(
                "too_many_reviewers",
                "lists {n} reviewers, but GitHub allows at most 6",
                {"n": len(value)},
            )
        seen: set[str] = set()
        for entry in value:
            if entry.lower() in seen:
                raise PydanticCustomError("duplicate_reviewer", "lists '{e}' twice", {"e": entry})
            seen.add(entry.lower())
        return value

    @field_validator("wait_timer")
    @classmethod
    def _wait_timer(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= name_rules.MAX_WAIT_TIMER:
            raise PydanticCustomError(
                "wait_timer_range",
                "must be between 0 and 43200 minutes (30 days), not {v}",
                {"v": value},
            )
        return value

    @field_validator("deployment_branches", "deployment_tags")
    @classmethod
    def _patterns(cls, value: list[str] | str | None) -> list[str] | str | None:
        return value if isinstance(value, str) else _check_patterns(value)


def _check_approvals(value: int | None) -> int | None:
    if value is None:
        return None
    if value > name_rules.MAX_APPROVALS:
        raise PydanticCustomError(
            "approvals_too_many",
            "is {v}, but more than 2 is not possible: " + name_rules.APPROVALS_TOO_MANY,
            {"v": value},
        )
    if value < 0:
        raise PydanticCustomError("approvals_negative", "must be 0, 1 or 2")
    return value


class SharedEnvironment(_EnvironmentFields):
    """An environment every repository gets."""

    required_approvals: int = Field(
        description="0: no review; 1: one listed reviewer; 2: 4-eyes (see the approvals table)."
    )

    @field_validator("required_approvals")
    @classmethod
    def _approvals(cls, value: int) -> int:
        _check_approvals(value)
        return value


class EnvironmentOverride(_EnvironmentFields):
    """A repository's changes to a shared environment, or an environment of its own."""

    required_approvals: int | None = Field(
        default=None,
        description="Required for an environment not declared at the top level.",
    )

    _nullable = model_validator(mode="before")(_null_is_empty)

    @field_validator("required_approvals")
    @classmethod
    def _approvals(cls, value: int | None) -> int | None:
        return _check_approvals(value)


class RepositorySettings(_Model):
    variables: dict[str, VariableEntry] = Field(
        default_factory=dict,
        description="Repository-level Actions variables (strings; no environment account).",
    )
    secrets: dict[str, RepositorySecret] = Field(
        default_factory=dict, description="Repository-level Actions secrets, from their sources."
    )
    environments: dict[str, EnvironmentOverride] = Field(
        default_factory=dict,
        description="Overrides of shared environments, or environments of this repository.",
        json_schema_extra=_nullable_entries,
    )

    _nullable = model_validator(mode="before")(_null_is_empty)


class Config(_Model):
    """environments.yaml, version 1."""

    model_config = ConfigDict(title="environments.yaml")

    version: Literal[1] = Field(description="The file format version; always 1.")
    github: GitHubSettings = Field(description="Where the repositories live.")
    aws: AwsSettings | None = Field(
        default=None, description="Needed when any value refers to AWS."
    )
    prune: bool = Field(
        default=False,
        description="Delete undeclared environments, variables and secrets of managed repos.",
    )
    environments: dict[str, SharedEnvironment] = Field(
        default_factory=dict, description="Environments every repository gets, in this order."
    )
    variables: dict[str, VariableEntry] = Field(
        default_factory=dict,
        description="Variables in every environment of every repository.",
    )
    repositories: dict[str, RepositorySettings] = Field(
        description="The managed repositories of github.owner, by name.",
        json_schema_extra=_nullable_entries,
    )
