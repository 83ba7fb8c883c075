"""Hand-built observed values, and reading exported text back."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from reconciler.model.observed import (
    BranchPolicyType,
    ObservedBranchPolicy,
    ObservedEnvironment,
    ObservedRepository,
    ObservedReviewer,
    ObservedSecret,
    ObservedVariable,
)

OWNER = "Alpha-Swarm-ai"


def team(slug: str, ident: int = 10) -> ObservedReviewer:
    return ObservedReviewer("team", ident, slug)


def user(login: str, ident: int = 20) -> ObservedReviewer:
    return ObservedReviewer("user", ident, login)


def variables(**values: str) -> dict[str, ObservedVariable]:
    return {name: ObservedVariable(name, value) for name, value in values.items()}


def secrets(*names: str) -> dict[str, ObservedSecret]:
    return {name: ObservedSecret(name, None) for name in names}


def env(
    name: str,
    *,
    reviewers: Iterable[ObservedReviewer] = (),
    prevent_self_review: bool = False,
    wait_timer: int = 0,
    policy: BranchPolicyType = "all",
    branches: Iterable[str] = (),
    tags: Iterable[str] = (),
    vars: dict[str, ObservedVariable] | None = None,
    secret_names: Iterable[str] = (),
    other_rules: Iterable[str] = (),
    admins_bypass: bool | None = True,
) -> ObservedEnvironment:
    policies = [ObservedBranchPolicy(i, "branch", p) for i, p in enumerate(branches, 1)]
    policies += [ObservedBranchPolicy(100 + i, "tag", p) for i, p in enumerate(tags, 1)]
    return ObservedEnvironment(
        name=name,
        reviewers=tuple(reviewers),
        prevent_self_review=prevent_self_review,
        wait_timer=wait_timer,
        branch_policy=policy if not policies else "custom",
        branch_policies=tuple(policies),
        variables=vars or {},
        secrets=secrets(*secret_names),
        other_rules=tuple(other_rules),
        can_admins_bypass=admins_bypass,
    )


def repo(
    name: str,
    *environments: ObservedEnvironment,
    vars: dict[str, ObservedVariable] | None = None,
    secret_names: Iterable[str] = (),
    owner: str = OWNER,
) -> ObservedRepository:
    return ObservedRepository(
        full_name=f"{owner}/{name}",
        environments={e.name: e for e in environments},
        variables=vars or {},
        secrets=secrets(*secret_names),
    )


def parse(text: str) -> Any:
    """The exported YAML as plain data (comments dropped)."""
    return YAML(typ="safe", pure=True).load(text)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def comment_lines(text: str, needle: str) -> list[str]:
    """The lines of `text` whose comment part contains `needle`."""
    return [line for line in text.splitlines() if "#" in line and needle in line.split("#", 1)[1]]
