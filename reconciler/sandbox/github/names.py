"""Validation of Actions variable and secret names, as GitHub documents them.

Written from GitHub's naming rules, each rule one check below, not from
reconcile's config rules (the emulator is a second opinion on the client):
"Naming conventions for secrets"
(https://docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions#naming-your-secrets)
and "Naming conventions for configuration variables"
(https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/store-information-in-variables#naming-conventions-for-configuration-variables):
names contain only [a-z], [A-Z], [0-9] or `_`, no spaces; must not start with
a number; must not start with the GITHUB_ prefix; are case insensitive (GitHub
stores and lists them upper case, as every recorded list answer shows:
PyGithub's tests/ReplayData/Repository.testRepoVariables.txt).
docs/emulator-fidelity.md, "Variable and secret names".
"""

from __future__ import annotations

import string

from reconciler.sandbox.github.http import unprocessable

_ALLOWED = frozenset(string.ascii_letters + string.digits + "_")
_RESERVED = "GITHUB_"


def check_name(name: object, kind: str) -> str:
    """The upper-case stored name, or GitHub's 422."""
    if (
        not isinstance(name, str)
        or not name
        or not set(name) <= _ALLOWED
        or name[0] in string.digits
    ):
        raise unprocessable(
            f"Invalid request.\n\n{kind} names can only contain alphanumeric characters "
            "([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed. "
            "Must start with a letter ([a-z], [A-Z]) or underscores (_).",
        )
    stored = name.upper()  # case insensitive: `deploy_key` and `DEPLOY_KEY` are one name
    if stored.startswith(_RESERVED):
        raise unprocessable(f"Invalid request.\n\n{kind} names must not start with GITHUB_.")
    return stored
