"""Hypothesis strategies for valid desired states (docs/configuration.md, "Approvals", respected)."""

from __future__ import annotations

from hypothesis import strategies as st
from words import DIGITS, LOWER, UPPER, chars, word

from reconciler.model.desired import (
    AwsSecretSource,
    BranchPattern,
    DesiredEnvironment,
    DesiredRepository,
    DesiredSecret,
    DesiredState,
    EnvSecretSource,
    IamRoleRef,
    Reviewer,
    SsmParameterRef,
    SsmSecretSource,
    VariableValue,
)

ACCOUNT = "123456789012"
_names = word(UPPER + LOWER + "_", UPPER + LOWER + DIGITS + "_", max_rest=11).filter(
    lambda n: not n.upper().startswith("GITHUB_")
)
_slugs = word(LOWER, LOWER + DIGITS + "-", max_rest=8)


def _unique_folded(keys: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(keys, max_size=max_size, unique_by=str.lower)


_variable_values: st.SearchStrategy[VariableValue] = st.one_of(
    st.text(max_size=20),
    st.builds(IamRoleRef, _slugs, st.just(ACCOUNT)),
    st.builds(SsmParameterRef, _slugs.map(lambda s: f"/p/{s}"), st.just(ACCOUNT)),
)
_sources = st.one_of(
    st.builds(AwsSecretSource, _slugs, st.sampled_from([None, ACCOUNT])),
    st.builds(SsmSecretSource, _slugs.map(lambda s: f"/s/{s}"), st.sampled_from([None, ACCOUNT])),
    st.builds(EnvSecretSource, _names),
)


@st.composite
def variables(draw: st.DrawFn) -> dict[str, VariableValue]:
    return {n: draw(_variable_values) for n in draw(_unique_folded(_names, 4))}


@st.composite
def secrets(draw: st.DrawFn) -> dict[str, DesiredSecret]:
    return {n: DesiredSecret(n, draw(_sources)) for n in draw(_unique_folded(_names, 3))}


_reviewers = st.builds(Reviewer, st.sampled_from(["team", "user"]), _slugs)
_patterns = st.builds(
    BranchPattern,
    st.sampled_from(["branch", "tag"]),
    chars(LOWER + "*/.", min_size=1, max_size=8),
)


@st.composite
def environments(draw: st.DrawFn, name: str) -> DesiredEnvironment:
    approvals = draw(st.integers(0, 2))
    reviewers: tuple[Reviewer, ...] = ()
    if approvals:
        # A team brings two members; two users are two people. Both satisfy 4-eyes.
        reviewers = tuple(
            draw(st.lists(_reviewers, min_size=1, max_size=6, unique_by=lambda r: r.key))
        )
        if approvals == 2 and all(r.kind == "user" for r in reviewers) and len(reviewers) < 2:
            reviewers = (*reviewers, Reviewer("team", "fallback-team"))
    patterns = draw(
        st.none() | st.lists(_patterns, max_size=3, unique_by=lambda p: p.name.lower()).map(tuple)
    )
    # `deployment_branches: protected` comes with no pattern at all.
    protected = patterns is None and draw(st.booleans())
    return DesiredEnvironment(
        name=name,
        required_approvals=approvals,
        reviewers=reviewers,
        prevent_self_review=True if approvals == 2 else draw(st.booleans()),
        wait_timer=draw(st.integers(0, 43200)),
        branch_patterns=patterns,
        variables=draw(variables()),
        secrets=draw(secrets()),
        account_id=ACCOUNT,
        protected_branches=protected,
    )


@st.composite
def desired_states(draw: st.DrawFn) -> DesiredState:
    repos = []
    for repo_name in draw(_unique_folded(_slugs, 3)):
        env_names = draw(_unique_folded(_slugs, 3))
        repos.append(
            DesiredRepository(
                owner="Org",
                name=repo_name,
                environments=tuple(draw(environments(n)) for n in env_names),
                variables=draw(variables()),
                secrets=draw(secrets()),
            )
        )
    return DesiredState(owner="Org", repositories=tuple(repos), prune=draw(st.booleans()))
