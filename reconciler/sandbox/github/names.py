"""Validation of Actions variable and secret names, as GitHub enforces them."""

from __future__ import annotations

import re

from reconciler.sandbox.github.http import unprocessable

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_name(name: object, kind: str) -> str:
    """The upper-case stored name, or GitHub's 422."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise unprocessable(
            f"Invalid request.\n\n{kind} names can only contain alphanumeric characters "
            "([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. "
            "Must start with a letter ([a-z], [A-Z]) or underscores (_).",
        )
    if name.upper().startswith("GITHUB_"):
        raise unprocessable(f"Invalid request.\n\n{kind} names must not start with GITHUB_.")
    return name.upper()
