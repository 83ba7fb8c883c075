"""For any valid desired state, its own converged live state shows no drift."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from reconciler.diff import diff
from reconciler.model.desired import DesiredState
from reconciler.model.plan import Plan

from .converged import observed_from
from .strategies import desired_states

# Hundreds of generated desired/observed pairs.
pytestmark = pytest.mark.slow


@settings(max_examples=100, deadline=None)
@given(desired_states())
def test_converged_state_diffs_to_an_empty_plan(desired: DesiredState) -> None:
    assert diff(desired, observed_from(desired)) == Plan()
    assert diff(desired, observed_from(desired, swap_case=True)) == Plan()


@settings(max_examples=100, deadline=None)
@given(desired_states())
def test_empty_github_creates_everything_with_unique_ids(desired: DesiredState) -> None:
    converged = observed_from(desired)
    empty = {k: type(r)(full_name=r.full_name) for k, r in converged.repositories.items()}
    plan = diff(desired, type(converged)(empty, converged.identities, converged.aws))
    ids = [c.id for c in plan.changes]
    assert len(ids) == len(set(ids))
    expected_envs = sum(len(r.environments) for r in desired.repositories)
    assert sum(1 for c in plan.changes if c.resource.value == "environment") == expected_envs
    assert all(c.before is None and c.after is not None for c in plan.changes)
