"""`reconcile export`: the live state of repositories as an environments.yaml.

`export_config` is the pure part (observed values in, YAML text out); the
command's glue (config, GitHub, output file) is `reconciler.cli.export`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.export.document import SECRET_NOTE, four_eyes_note, literal, render
from reconciler.export.layout import layout, placeholder_name
from reconciler.model.observed import Identities, ObservedRepository


def export_config(
    owner: str,
    repositories: Sequence[ObservedRepository],
    *,
    aws_accounts: Mapping[str, str] | None = None,
    identities: Identities | None = None,
) -> str:
    """environments.yaml text for `repositories` as they are live.

    Loading it back and planning against the same live state shows no change
    (secrets become `{env: ...}` placeholders, which are checked for presence
    only), except where a comment in the text says version 1 cannot express
    the live setting. `identities` are the reviewers GitHub knows: required
    approvals are 2 only where the people they count make it 4-eyes.
    """
    return render(owner, layout(repositories, aws_accounts, identities), aws_accounts)


__all__ = [
    "SECRET_NOTE",
    "export_config",
    "four_eyes_note",
    "literal",
    "placeholder_name",
]
