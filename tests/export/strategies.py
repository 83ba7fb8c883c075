"""Hypothesis strategies for live repositories: every setting reconcile manages, in any combination."""

from __future__ import annotations

from typing import Literal

from hypothesis import strategies as st
from words import DIGITS, LOWER, UPPER, chars, word

from reconciler.model.observed import (
    BranchPolicyType,
    ObservedBranchPolicy,
    ObservedEnvironment,
    ObservedRepository,
    ObservedReviewer,
    ObservedSecret,
    ObservedVariable,
)

from .builders import OWNER

_KINDS: list[Literal["team", "user"]] = ["team", "user"]
_POLICY_TYPES: list[Literal["branch", "tag"]] = ["branch", "tag"]
_BRANCH_POLICIES: list[BranchPolicyType] = ["all", "protected", "custom"]
# GitHub stores variable and secret names upper case and reserves GITHUB_.
_names = word(UPPER + "_", UPPER + DIGITS + "_", max_rest=10).filter(
    lambda n: not n.startswith("GITHUB_")
)
_env_names = chars(UPPER + LOWER + DIGITS + "_.-", min_size=1, max_size=10)
_repo_names = word(LOWER, LOWER + DIGITS + "_.-", max_rest=10)
_slugs = word(LOWER, LOWER + DIGITS + "-", max_rest=8)
# Any text GitHub could hold, braces and YAML look-alikes included.
_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["on", "No", "null", "~", "123", "0x1F", "1e3", "{repo}", "}{", "#x", " a "]),
)


def _variables(names: list[str], values: list[str]) -> dict[str, ObservedVariable]:
    return {n: ObservedVariable(n, v) for n, v in zip(names, values, strict=False)}


@st.composite
def variable_maps(draw: st.DrawFn) -> dict[str, ObservedVariable]:
    names = draw(st.lists(_names, max_size=4, unique=True))
    return _variables(names, [draw(_values) for _ in names])


@st.composite
def secret_maps(draw: st.DrawFn) -> dict[str, ObservedSecret]:
    return {n: ObservedSecret(n, None) for n in draw(st.lists(_names, max_size=3, unique=True))}


@st.composite
def reviewers(draw: st.DrawFn) -> tuple[ObservedReviewer, ...]:
    picked = draw(
        st.lists(
            st.tuples(st.sampled_from(_KINDS), _slugs),
            max_size=6,
            unique_by=lambda r: (r[0], r[1].lower()),
        )
    )
    return tuple(ObservedReviewer(kind, i, name) for i, (kind, name) in enumerate(picked, 1))


@st.composite
def environments(draw: st.DrawFn, name: str) -> ObservedEnvironment:
    policy = draw(st.sampled_from(_BRANCH_POLICIES))
    policies: tuple[ObservedBranchPolicy, ...] = ()
    if policy == "custom":
        pairs = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(_POLICY_TYPES),
                    chars(LOWER + "*/.", min_size=1, max_size=8),
                ),
                max_size=4,
                unique=True,
            )
        )
        policies = tuple(ObservedBranchPolicy(i, t, p) for i, (t, p) in enumerate(pairs, 1))
    chosen = draw(reviewers())
    # GitHub keeps prevent_self_review only beside reviewers.
    prevent = bool(chosen) and draw(st.booleans())
    return ObservedEnvironment(
        name=name,
        reviewers=chosen,
        prevent_self_review=prevent,
        can_admins_bypass=draw(st.sampled_from([None, True, False])),
        wait_timer=draw(st.sampled_from([0, 0, 1, 30, 43_200])),
        branch_policy=policy,
        branch_policies=policies,
        variables=draw(variable_maps()),
        secrets=draw(secret_maps()),
    )


@st.composite
def repositories(draw: st.DrawFn, shared_pool: list[ObservedEnvironment]) -> ObservedRepository:
    name = draw(_repo_names)
    own = [draw(environments(n)) for n in draw(st.lists(_env_names, max_size=3))]
    # Reusing environments from a common pool is what makes sharing happen.
    picked = draw(st.lists(st.sampled_from(shared_pool), max_size=3)) if shared_pool else []
    envs: dict[str, ObservedEnvironment] = {}
    for env in [*picked, *own]:
        if env.name.lower() not in {k.lower() for k in envs}:
            envs[env.name] = env
    return ObservedRepository(
        full_name=f"{OWNER}/{name}",
        environments=envs,
        variables=draw(variable_maps()),
        secrets=draw(secret_maps()),
    )


@st.composite
def live_states(draw: st.DrawFn) -> list[ObservedRepository]:
    pool_names = draw(st.lists(_env_names, max_size=3, unique_by=str.lower))
    pool = [draw(environments(n)) for n in pool_names]
    repos = draw(st.lists(repositories(pool), min_size=1, max_size=3))
    unique: dict[str, ObservedRepository] = {}
    for repo in repos:
        unique.setdefault(repo.full_name.lower(), repo)
    return list(unique.values())
