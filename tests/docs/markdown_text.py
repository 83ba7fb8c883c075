"""Just enough Markdown reading for the docs tests: headings, links, GitHub anchors.

Fenced code blocks are skipped everywhere: a `### ...` or `[x](y)` inside an
example output is not part of the page's structure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")
# [text](target) and ![alt](target); the target ends at whitespace or ")".
_INLINE_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class Link:
    source: Path
    line: int
    target: str


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line) for every line outside fenced code blocks."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        yield number, line


def headings(text: str, level: int | None = None) -> list[str]:
    """Heading texts (inline code marks removed), optionally of one level only."""
    found = []
    for _, line in prose_lines(text):
        match = _HEADING.match(line)
        if match and (level is None or len(match.group(1)) == level):
            found.append(_INLINE_CODE.sub(lambda m: m.group(2), match.group(2)).strip())
    return found


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor of a page, with GitHub's -1, -2 suffixes for repeated headings."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for heading in headings(text):
        base = github_anchor(heading)
        count = seen.get(base, 0)
        out.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return out


def links(path: Path) -> list[Link]:
    """Inline and reference-definition links outside code blocks and code spans."""
    found = []
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        ref = _REFERENCE_DEF.match(line)
        if ref:
            found.append(Link(path, number, ref.group(1)))
            continue
        bare = _INLINE_CODE.sub("", line)
        found.extend(Link(path, number, m.group(1)) for m in _INLINE_LINK.finditer(bare))
    return found


def is_relative(target: str) -> bool:
    """A link into this repository: no scheme (http:, mailto:), not protocol-relative."""
    return not _SCHEME.match(target) and not target.startswith("//")


def documentation_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
