"""Where a secret's value comes from: the config names it, a plan carries it,
apply reads the value through it at the moment of the write.

A leaf module, so that the plan's payloads (reconciler.model.payloads) can hold
a typed source without importing the desired state. `describe()` is the text a
plan shows and `parse_secret_source` reads it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class AwsSecretSource:
    """`{aws_secret: ID}`: Secrets Manager SecretString."""

    secret_id: str
    account_id: str | None  # None: the caller's own account

    def describe(self) -> str:
        where = f"@{self.account_id}" if self.account_id else ""
        return f"aws_secret:{self.secret_id}{where}"


@dataclass(frozen=True)
class SsmSecretSource:
    """`{ssm_parameter: PATH}` as a secret: a SecureString, decrypted at apply."""

    path: str
    account_id: str | None

    def describe(self) -> str:
        where = f"@{self.account_id}" if self.account_id else ""
        return f"ssm_parameter:{self.path}{where}"


@dataclass(frozen=True)
class EnvSecretSource:
    """`{env: VAR}`: the process environment of the reconcile run."""

    variable: str

    def describe(self) -> str:
        return f"env:{self.variable}"


SecretSource = AwsSecretSource | SsmSecretSource | EnvSecretSource


# An account id is 12 digits (config/rules.py); a trailing `@` and 12 digits names it.
_ACCOUNT = re.compile(r"^(?P<name>.+)@(?P<account>[0-9]{12})$")


def parse_secret_source(text: str) -> SecretSource:
    """A source from its `describe()` text; ValueError naming what is wrong.

    `describe(parse(text)) == text` for every text it accepts.
    """
    kind, _, rest = text.partition(":")
    if not rest:
        raise ValueError(f"{text!r} is not a secret source (aws_secret:, ssm_parameter: or env:)")
    if kind == "env":
        return EnvSecretSource(rest)
    found = _ACCOUNT.match(rest)
    name, account = (found["name"], found["account"]) if found else (rest, None)
    if kind == "aws_secret":
        return AwsSecretSource(name, account)
    if kind == "ssm_parameter":
        return SsmSecretSource(name, account)
    raise ValueError(f"{text!r} is not a secret source (aws_secret:, ssm_parameter: or env:)")
