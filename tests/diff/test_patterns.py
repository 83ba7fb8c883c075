"""Deployment patterns: which new patterns admit a ref the old ones refused (GitHub's fnmatch)."""

from __future__ import annotations

import pytest

from reconciler.diff.patterns import widening

# (new patterns, old patterns, the new ones that widen)
CASES: list[tuple[list[str], list[str], list[str]]] = [
    (["*"], ["main"], ["*"]),
    (["main"], ["*"], []),
    (["main"], ["main"], []),
    (["main", "dev"], ["main"], ["dev"]),
    (["v[0-9]*"], ["v*"], []),
    (["v*"], ["v[0-9]*"], ["v*"]),
    # Wildcards never match "/": release/* admits release/x only.
    (["release/1.0"], ["release/*"], []),
    (["release/*/*"], ["release/*"], ["release/*/*"]),
    (["release/**/*"], ["release/*"], ["release/**/*"]),
    (["release/*"], ["release/**/*"], []),
    # `**` without a following "/" is `*`.
    (["**"], ["*"], []),
    (["*"], ["**"], []),
    (["[!a]"], ["?"], []),
    (["?"], ["[!a]"], ["?"]),
    (["[a-c]x"], ["ax", "bx", "cx"], []),
    (["[a-d]x"], ["ax", "bx", "cx"], ["[a-d]x"]),
    (["a\\*"], ["a*"], []),
    (["a*"], ["a\\*"], ["a*"]),
    (["v*"], ["v*", "w*"], []),
    (["x"], [], ["x"]),
    ([], ["x"], []),
]


@pytest.mark.parametrize(("new", "old", "wider"), CASES, ids=[f"{n}<-{o}" for n, o, _ in CASES])
def test_widening(new: list[str], old: list[str], wider: list[str]) -> None:
    assert widening(new, old) == wider
