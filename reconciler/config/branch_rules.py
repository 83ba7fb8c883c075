"""Whole-file rule of `deployment_branches: protected`, checked by `semantics` on the
merged environment (docs/configuration.md, "Protected branches only").

GitHub's "protected branches only" policy admits branches, never tags, and a
custom tag policy cannot sit beside it (`protected_branches` and
`custom_branch_policies` are exclusive), so the merged environment may not
have both `protected` and tag patterns. An empty `deployment_tags: []` says
"no tag", which is what `protected` means anyway, and lets an override switch
an environment whose shared declaration lists tags to `protected`.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.config import name_rules
from reconciler.config.capacity import Problem
from reconciler.config.file_model import EnvironmentOverride, SharedEnvironment
from reconciler.config.positions import Path_, describe

Layer = tuple[Path_, SharedEnvironment | EnvironmentOverride]


def _last(layers: Sequence[Layer], key: str) -> tuple[object, Path_] | None:
    found: tuple[object, Path_] | None = None
    for path, env in layers:
        value = getattr(env, key)
        if value is not None:
            found = (value, (*path, key))
    return found


def protected_beside_tags(layers: Sequence[Layer]) -> Problem:
    """Tag patterns in an environment whose branches are `protected`; later layers win."""
    branches = _last(layers, "deployment_branches")
    tags = _last(layers, "deployment_tags")
    if branches is None or branches[0] != name_rules.PROTECTED_BRANCHES or not tags or not tags[0]:
        return None
    label = describe(layers[-1][0])
    reason = (
        f"{label} has deployment_branches: protected, which lets no tag deploy on GitHub "
        "(only branches with protection rules)"
    )
    if len(branches[1]) > len(tags[1]):
        # The override's `protected` made the shared environment's tags wrong.
        return branches[1], (
            f"{reason}, but it inherits deployment_tags from the shared environment; "
            "add deployment_tags: [] beside it to drop them"
        )
    return tags[1], (
        f"{reason}, so it cannot also list deployment_tags; to let tags deploy, "
        "list the branch patterns instead of 'protected'"
    )
