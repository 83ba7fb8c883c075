"""Pure evaluation of an IAM role trust policy against GitHub OIDC subjects.

No AWS call happens here: the adapter fetches the document, this module
answers two questions about it:

- does it let GitHub's OIDC provider assume the role for subject S
  (`admits`), and
- does it let anything beyond an allowed set of subjects assume it
  (`excess_subjects`).

IAM semantics that matter here: a request is allowed when some Allow statement
matches and no Deny statement does; within a statement every condition
operator and every key must hold (AND), while the values listed for one key
are alternatives (OR). Condition keys are case-insensitive, values are
compared case-sensitively. Operators this module does not model are treated
as satisfiable, so an unusual policy errs towards "too broad" rather than
hiding a way in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from reconciler.model.subjects import PROBE_NAME

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
SUB_KEY = f"{GITHUB_OIDC_HOST}:sub"
AUD_KEY = f"{GITHUB_OIDC_HOST}:aud"


class TrustPolicyError(ValueError):
    """The document is not a policy this module can read."""


def provider_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:oidc-provider/{GITHUB_OIDC_HOST}"


@dataclass(frozen=True)
class Condition:
    operator: str  # as written, e.g. "StringLike" or "ForAnyValue:StringEquals"
    key: str  # folded: IAM treats condition keys case-insensitively
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" or "Deny"
    principals: tuple[str, ...]  # federated principals; "*" for anyone
    actions: tuple[str, ...]
    conditions: tuple[Condition, ...]


def parse_policy(document: str | Mapping[str, Any]) -> tuple[Statement, ...]:
    """Statements of a trust policy given as JSON text (maybe URL-encoded) or a dict."""
    data: Any = document
    if isinstance(document, str):
        text = document.strip()
        if text.startswith("%7B") or text.startswith("%7b"):
            text = unquote(text)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TrustPolicyError(f"trust policy is not JSON ({exc.msg})") from None
    if not isinstance(data, Mapping):
        raise TrustPolicyError("trust policy is not a JSON object")
    raw = data.get("Statement", [])
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        raise TrustPolicyError("trust policy 'Statement' is neither an object nor a list")
    return tuple(_statement(item) for item in items)


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str | bool | int) for v in value):
        return tuple(str(v) for v in value)
    if isinstance(value, bool | int):
        return (str(value).lower() if isinstance(value, bool) else str(value),)
    raise TrustPolicyError(f"trust policy {what} must be a string or a list of strings")


def _statement(item: Any) -> Statement:
    if not isinstance(item, Mapping):
        raise TrustPolicyError("trust policy statement is not an object")
    effect = item.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise TrustPolicyError(f"trust policy statement has Effect {effect!r}")
    principal = item.get("Principal")
    principals: tuple[str, ...]
    if principal == "*":
        principals = ("*",)
    elif isinstance(principal, Mapping):
        federated = principal.get("Federated")
        principals = _strings(federated, "Principal.Federated") if federated else ()
    else:
        # NotPrincipal or a missing principal: not a grant to a federated identity.
        principals = ()
    actions = _strings(item.get("Action", []), "Action")
    conditions: list[Condition] = []
    block = item.get("Condition", {})
    if not isinstance(block, Mapping):
        raise TrustPolicyError("trust policy Condition is not an object")
    for operator, pairs in block.items():
        if not isinstance(pairs, Mapping):
            raise TrustPolicyError(f"trust policy condition {operator} is not an object")
        for key, values in pairs.items():
            conditions.append(
                Condition(str(operator), str(key).lower(), _strings(values, f"{operator} values"))
            )
    return Statement(str(effect), principals, actions, tuple(conditions))


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, *, case_sensitive: bool = True) -> re.Pattern[str]:
    """IAM's `*` (any run) and `?` (one character); nothing else is special."""
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body, 0 if case_sensitive else re.IGNORECASE)


def like(pattern: str, value: str) -> bool:
    return _wildcard(pattern).fullmatch(value) is not None


def _action_matches(actions: Sequence[str]) -> bool:
    # Action names are case-insensitive in IAM.
    return any(_wildcard(a, case_sensitive=False).fullmatch(WEB_IDENTITY_ACTION) for a in actions)


def _principal_matches(principals: Sequence[str], provider: str) -> bool:
    return any(p in ("*", provider) for p in principals)


def _condition_holds(condition: Condition, context: Mapping[str, str]) -> bool:
    operator = condition.operator.lower()
    if condition.key not in (SUB_KEY, AUD_KEY):
        return True  # a key we do not model: assume the token could satisfy it
    present = condition.key in context
    value = context.get(condition.key, "")
    if operator.endswith("ifexists"):
        if not present:
            return True
        operator = operator.removesuffix("ifexists")
    operator = operator.removeprefix("forallvalues:").removeprefix("foranyvalue:")
    # GitHub's sub and aud claims are single-valued, so the set operators
    # reduce to the plain ones over a one-element set.
    if operator == "stringequals":
        return present and value in condition.values
    if operator == "stringlike":
        return present and any(like(p, value) for p in condition.values)
    if operator == "stringnotequals":
        return not present or value not in condition.values
    if operator == "stringnotlike":
        return not present or not any(like(p, value) for p in condition.values)
    if operator == "stringequalsignorecase":
        return present and value.lower() in {v.lower() for v in condition.values}
    return True


def _matches(statement: Statement, provider: str, context: Mapping[str, str]) -> bool:
    return (
        _principal_matches(statement.principals, provider)
        and _action_matches(statement.actions)
        and all(_condition_holds(c, context) for c in statement.conditions)
    )


def admits(
    statements: Iterable[Statement],
    provider: str,
    subject: str,
    audience: str = AUDIENCE,
) -> bool:
    """Whether a GitHub token with this subject and audience may assume the role."""
    context = {SUB_KEY: subject, AUD_KEY: audience}
    items = tuple(statements)
    allowed = any(s.effect == "Allow" and _matches(s, provider, context) for s in items)
    denied = any(s.effect == "Deny" and _matches(s, provider, context) for s in items)
    return allowed and not denied


def _samples(pattern: str) -> tuple[str, ...]:
    """Concrete strings a wildcard pattern matches, to test against the whole policy."""
    if "*" not in pattern and "?" not in pattern:
        return (pattern,)
    out = []
    for star, mark in (("", "z"), (PROBE_NAME, "q")):
        out.append("".join(star if ch == "*" else mark if ch == "?" else ch for ch in pattern))
    return tuple(out)


def excess_subjects(
    statements: Iterable[Statement],
    provider: str,
    allowed: Iterable[str],
    probes: Iterable[str] = (),
) -> tuple[str, ...]:
    """What the trust admits beyond `allowed`: probe subjects it admits, and any
    subject value or pattern written in an Allow statement that reaches past
    the exact allowed subjects (sorted; empty when the trust is tight).
    """
    items = tuple(statements)
    exact = frozenset(allowed)
    excess: set[str] = set()
    for probe in probes:
        if probe not in exact and admits(items, provider, probe):
            excess.add(probe)
    for statement in items:
        if statement.effect != "Allow":
            continue
        if not (
            _principal_matches(statement.principals, provider)
            and _action_matches(statement.actions)
        ):
            continue
        for condition in statement.conditions:
            if condition.key != SUB_KEY:
                continue
            for pattern in condition.values:
                if pattern in exact:
                    continue
                candidates = [s for s in _samples(pattern) if s not in exact]
                if any(admits(items, provider, s) for s in candidates):
                    excess.add(pattern)
    return tuple(sorted(excess))
