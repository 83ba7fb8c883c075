"""The naming and value rules of environments.yaml: the regexes names must match,
GitHub's limits and the `{placeholder}` syntax. Shared by validation and
expansion so both read a value the same way (docs/configuration.md, "Values"
to "Names")."""

from __future__ import annotations

import re
from collections.abc import Mapping

# GitHub stores variable and secret names upper case and reserves GITHUB_.
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RESERVED_PREFIX = "GITHUB_"
# Environment names: GitHub accepts more, but these characters are safe in
# URLs, OIDC subjects (`repo:o/r:environment:<env>`) and shells alike.
ENVIRONMENT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")
REPOSITORY_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
TEAM_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
USER_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
IAM_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
AWS_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-[0-9]+$")

# `also_trusted` entries: the job contexts GitHub writes after `repo:OWNER/REPO:`
# in a subject (its OIDC reference, "Example subject claims").
TRUSTED_CONTEXT = re.compile(
    r"^(?:pull_request|ref:refs/(?:heads|tags)/[^\s*?:]+|environment:[A-Za-z0-9_.-]{1,255})$"
)

# `deployment_branches: protected`: GitHub's "protected branches only" policy.
PROTECTED_BRANCHES = "protected"

MAX_REVIEWERS = 6
MAX_APPROVALS = 2
MAX_WAIT_TIMER = 43_200  # minutes: GitHub's limit of 30 days
APPROVALS_TOO_MANY = (
    "GitHub releases a job on one approval from any listed reviewer; "
    "4-eyes is expressed as 2 with prevent_self_review"
)

PLACEHOLDERS = ("owner", "repo", "env", "account_id")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class PlaceholderError(ValueError):
    """A malformed or unknown `{...}` in a value; str() is a sentence fragment."""


def placeholders(text: str) -> list[str]:
    """The placeholder names used in `text`; `{{` and `}}` are literal braces."""
    found: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            raise PlaceholderError(
                f"has an unmatched '{token}' (write '{token}{token}' for a literal brace)"
            )
        if name not in PLACEHOLDERS:
            raise PlaceholderError(
                f"uses the unknown placeholder '{{{name}}}' (known: "
                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                + "; write '{{' and '}}' for literal braces)"
            )
        found.append(name)
    return found


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with its placeholders replaced; validation has vetted the names."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return values[match.group(1)]

    return _TOKEN.sub(replace, text)


def parse_reviewer(text: str) -> tuple[str, str] | None:
    """`team:<slug>` / `user:<login>` as (kind, name), or None when malformed."""
    kind, sep, name = text.partition(":")
    if not sep:
        return None
    if kind == "team" and TEAM_SLUG.match(name):
        return kind, name
    if kind == "user" and USER_LOGIN.match(name):
        return kind, name
    return None
