"""docs/troubleshooting.md has a section for every code a user can meet, and no stale ones.

Finding codes come from the one enumeration, `reconciler.model.findings.Code`; GitHub
error kinds from the `ErrorKind` Literal. Each must be a `###` heading whose text is
exactly the code, so a user who greps the docs for a code lands on it.
"""

from __future__ import annotations

import re
from typing import get_args

import pytest

from reconciler.github.errors import ErrorKind
from reconciler.model.findings import Code

from .markdown_text import DOCS, headings

PAGE = DOCS / "troubleshooting.md"
FINDING_CODES: tuple[str, ...] = tuple(c.value for c in Code)
ERROR_KINDS: tuple[str, ...] = get_args(ErrorKind)
# What a finding code looks like: `area.snake_case`.
CODE_SHAPE = re.compile(r"^[a-z][a-z0-9]*\.[a-z][a-z0-9_]*$")


def _sections() -> list[str]:
    return headings(PAGE.read_text(encoding="utf-8"), level=3)


def test_the_sources_of_codes_are_not_empty() -> None:
    # Guards the parametrized tests below against passing on nothing.
    areas = {code.split(".")[0] for code in FINDING_CODES}
    assert areas == {"github", "aws", "secret", "dispatch", "review"}
    assert {"auth", "forbidden", "not_found"} <= set(ERROR_KINDS)


@pytest.mark.parametrize("code", FINDING_CODES)
def test_every_finding_code_has_a_section(code: str) -> None:
    assert code in _sections(), f"docs/troubleshooting.md has no '### {code}' section"


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_every_github_error_kind_has_a_section(kind: str) -> None:
    assert kind in _sections(), f"docs/troubleshooting.md has no '### {kind}' section"


def test_no_section_documents_a_code_that_does_not_exist() -> None:
    documented = [h for h in _sections() if CODE_SHAPE.match(h)]
    stale = sorted(set(documented) - set(FINDING_CODES))
    assert documented, "no finding-code sections found: the heading parser is broken"
    assert not stale, f"sections for codes the code no longer emits: {stale}"


def test_each_code_is_documented_once() -> None:
    sections = _sections()
    repeated = sorted({h for h in sections if sections.count(h) > 1 and CODE_SHAPE.match(h)})
    assert not repeated, f"codes with more than one section: {repeated}"


def test_headings_ignore_code_blocks_and_strip_code_marks() -> None:
    text = "### `aws.real`\n```text\n### aws.in_an_example\n```\n## aws.other_level\n"
    assert headings(text, level=3) == ["aws.real"]
    assert headings(text) == ["aws.real", "aws.other_level"]
