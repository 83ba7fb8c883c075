"""Every relative link in README.md and docs/*.md points to something that exists.

For a link into a Markdown page with a `#fragment`, the page must also have a
heading with that anchor (GitHub's rules), so "see troubleshooting.md#code"
does not silently land at the top of the page.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from .markdown_text import ROOT, Link, anchors, documentation_pages, is_relative, links

PAGES = documentation_pages()


def _page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _broken(link: Link) -> str | None:
    """Why this relative link is broken, or None when it resolves."""
    target, _, fragment = link.target.partition("#")
    target = unquote(target.split("?", 1)[0])
    destination = (link.source.parent / target).resolve() if target else link.source
    where = f"{_page_id(link.source)}:{link.line}: {link.target}"
    if not destination.exists():
        return f"{where}: no such file"
    if not destination.is_relative_to(ROOT):
        return f"{where}: points outside the repository"
    if fragment and destination.suffix == ".md" and not _has_anchor(destination, fragment):
        return f"{where}: no heading with anchor #{fragment}"
    return None


def _has_anchor(page: Path, fragment: str) -> bool:
    return unquote(fragment).lower() in anchors(page.read_text(encoding="utf-8"))


def test_the_pages_to_check_are_found() -> None:
    names = {_page_id(p) for p in PAGES}
    assert "README.md" in names
    assert {"docs/getting-started.md", "docs/security.md", "docs/troubleshooting.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_relative_links_resolve(page: Path) -> None:
    relative = [link for link in links(page) if is_relative(link.target)]
    broken = [reason for link in relative if (reason := _broken(link)) is not None]
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_link_reader_finds_links_outside_code_only(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "See [a](a.md), ![img](img/x.png) and [site](https://example.com).\n"
        "Not `[code](nope.md)`.\n"
        "```text\n[example](missing.md)\n```\n"
        "[ref]: other.md#part\n",
        encoding="utf-8",
    )
    found = [(link.line, link.target) for link in links(page)]
    assert found == [
        (1, "a.md"),
        (1, "img/x.png"),
        (1, "https://example.com"),
        (6, "other.md#part"),
    ]
    assert [is_relative(t) for _, t in found] == [True, True, False, True]


def test_a_missing_file_and_a_missing_anchor_are_reported(tmp_path: Path) -> None:
    root_page = ROOT / "README.md"
    assert _broken(Link(root_page, 1, "docs/no-such-page.md")) is not None
    assert _broken(Link(root_page, 1, "docs/troubleshooting.md#no-such-section")) is not None
    assert _broken(Link(root_page, 1, "docs/troubleshooting.md#exit-codes")) is None


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("### github.reviewer_no_access", "githubreviewer_no_access"),
        ("## Apply's refusals", "applys-refusals"),
        (
            "### Entry apply role `reconcile-gha-apply` (apply)",
            "entry-apply-role-reconcile-gha-apply-apply",
        ),
        ("## AWS: OIDC roles", "aws-oidc-roles"),
    ],
)
def test_anchors_follow_github(heading: str, anchor: str) -> None:
    assert anchor in anchors(heading + "\n")


def test_repeated_headings_get_numbered_anchors() -> None:
    assert anchors("## Example\n## Example\n") == {"example", "example-1"}
