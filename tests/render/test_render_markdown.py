from __future__ import annotations

import re

from reconciler.model.plan import Plan
from reconciler.render import render
from reconciler.render.markdown import MAX_CHARS, cell, render_markdown

from .plans import LEAKED, REPO, big_plan, leaky_plan, small_plan


def test_markdown_has_summary_table_details_and_findings() -> None:
    md = render(small_plan(), "markdown", color=True)
    assert md.startswith("## reconcile plan\n")
    assert "| Repository | Create | Update | Delete | Errors | Warnings |" in md
    assert f"| {REPO} | 2 | 2 | 1 | 1 | 0 |" in md
    assert f"<details><summary>{REPO}: 2 to create, 2 to update, 1 to delete</summary>" in md
    assert "```diff\n+ repository_secret PLATFORM_DISPATCH_TOKEN" in md
    assert "~   variable AWS_DEPLOYER_ROLE_ARN:" in md
    assert (
        "| ❌ error | github.unknown_team | " + REPO + " / prod | reviewer team:x is unknown |"
        in md
    )
    assert "| " + REPO + " | prod | variable | STRAY |" in md
    assert "\x1b" not in md and "note" not in md.lower()


def test_empty_plan_markdown() -> None:
    md = render_markdown(Plan())
    assert "No changes. GitHub matches environments.yaml." in md
    assert "<details>" not in md and "|" not in md


def test_table_cells_escape_pipes_backticks_and_html() -> None:
    assert cell("a|b `c` <i>\nd") == "a\\|b \\`c\\` &lt;i&gt; d"


def test_code_fence_is_longer_than_backticks_in_values() -> None:
    md = render_markdown(big_plan(3))
    fences = re.findall(r"^(`{3,})diff$", md, flags=re.M)
    assert fences and all(len(f) >= 3 for f in fences)
    from reconciler.model.payloads import VariablePayload
    from reconciler.model.plan import Change, Resource

    nasty = Change.create(
        Resource.VARIABLE, repository=REPO, environment="prod", name="X",
        after=VariablePayload("```` end"),
    )  # fmt: skip
    md = render_markdown(Plan.build([nasty]))
    assert "`````diff\n" in md


def test_large_plan_is_truncated_with_a_note() -> None:
    plan = big_plan(5000)
    md = render_markdown(plan)
    assert len(md) <= MAX_CHARS
    shown = len(re.findall(r"^\+ .*variable VARIABLE_\d{5}", md, flags=re.M))
    assert 0 < shown < 5000
    note = re.search(r"shortened to fit: (\d+) of 5000 changes are not shown", md)
    assert note is not None and int(note.group(1)) == 5000 - shown
    assert "JSON plan" in md and "job log" in md
    assert md.count("more changes in this repository not shown") == 3
    # Every repository still has its summary row.
    for i in range(3):
        assert f"| Org/repo-{i} | " in md


def test_truncation_respects_a_smaller_limit() -> None:
    md = render_markdown(big_plan(400), max_chars=5_000)
    assert len(md) <= 5_000
    assert "not shown" in md


def test_markdown_never_shows_secret_values() -> None:
    md = render_markdown(leaky_plan())
    assert LEAKED not in md
    assert "(sensitive)" in md
