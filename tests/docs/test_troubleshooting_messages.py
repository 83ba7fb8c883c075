"""Every message docs/troubleshooting.md quotes is one the code can print.

The page's examples were produced once and pasted; the code moves on. Each
line of a `text` block that carries a message (an `error:` line, a finding, a
`failed:` line, a log line) is checked against the message templates of
reconciler/: every f-string and every string literal of two words or more,
with its `{...}` parts left open. A template occurs in a line when all its
fixed parts appear there in order; the fixed parts of the templates that occur
cover the line. What no template covers must be a value (a name, a number, a
path: no space), a list of values, a time, or text that GitHub, AWS or the
operating system wrote (`FOREIGN`, each with where it comes from). So a quoted
message whose wording the code no longer has, or never had, fails here.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property

import pytest

from reconciler.model.findings import Code

from .markdown_text import DOCS, ROOT

PAGE = DOCS / "troubleshooting.md"

# Text in the page's examples that reconcile passes on from elsewhere.
FOREIGN: dict[str, str] = {
    "No such file or directory": "the operating system's strerror (ENOENT)",
    "Is a directory": "the operating system's strerror (EISDIR)",
    "Permission denied": "the operating system's strerror (EACCES)",
    "No space left on device": "the operating system's strerror (ENOSPC)",
    "[Errno 111] Connection refused": "Python's ConnectionRefusedError",
    "[Errno -2] Name or service not known": "Python's socket.gaierror",
    'Could not connect to the endpoint URL: "': "botocore's EndpointConnectionError",
    "is not authorized to perform: ": "AWS's AccessDenied message",
    " on resource: ": "AWS's AccessDenied message",
    "Expecting property name enclosed in double quotes": "Python's json.JSONDecodeError",
    'Invalid request. "can_admins_bypass" is not a permitted key.': (
        "an older GitHub Enterprise Server's 422 (docs/emulator-fidelity.md)"
    ),
}

_SLOT = None  # a part of a template filled in at run time
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # str.format / pydantic message placeholders
_CODE = frozenset(c.value for c in Code)
_AREAS = "|".join(sorted({c.split(".")[0] for c in _CODE}))
_FINDING = re.compile(rf"^\s*(?:error|warning): ((?:{_AREAS})\.[a-z0-9_]+)(?: \[[^\]]*\])? ")
_CONSOLE_LOG = re.compile(r"^\d\d:\d\d:\d\d \[\w+\s*\] (.*?)((?: \w+=(?:'[^']*'|\S+))*)$")
_LOG_FIELD = re.compile(r" (\w+)=(?:'([^']*)'|(\S+))")
_SOURCE_EXCERPT = re.compile(r"^\s*\d*\s+\|")
# Values the code fills in that hold spaces: times, and lists of names joined with ", ".
_TIME = re.compile(r"(?:\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}(?::\d{2})?(?: UTC)?")
_NAMES = re.compile(r"[^\s,]+(?:, [^\s,]+)+")


def _blank(part: str | None) -> bool:
    return part is not None and not part.strip()


@dataclass(frozen=True)
class Template:
    parts: tuple[str | None, ...]

    @property
    def fixed(self) -> str:
        return "".join(p for p in self.parts if p is not _SLOT)

    @property
    def longest(self) -> str:
        return max((p for p in self.parts if p is not _SLOT), key=len)

    @cached_property
    def _shape(self) -> tuple[re.Pattern[str], str | None]:
        """The pattern, and the fixed part it starts with (None: it starts with a word).

        A slot takes any text, or none; but a slot beside a part of spaces
        alone (`f"{count} {kind}s"`) takes one word, or those spaces would join
        any two words of any sentence.
        """
        parts = list(self.parts)
        words = {
            i
            for i, p in enumerate(parts)
            if p is _SLOT
            and ((i > 0 and _blank(parts[i - 1])) or (i + 1 < len(parts) and _blank(parts[i + 1])))
        }
        end = len(parts)
        while end and parts[end - 1] is _SLOT and end - 1 not in words:
            end -= 1
        begin = 0
        while parts[begin] is _SLOT and begin not in words:
            begin += 1
        regex = "".join(
            (r"\S+?" if i in words else ".*?") if p is _SLOT else f"({re.escape(p)})"
            for i, p in enumerate(parts[begin:end], start=begin)
        )
        first = parts[begin]
        return re.compile(regex), first

    def matches(self, text: str) -> Iterator[re.Match[str]]:
        """Each tightest match: one from every place it can start."""
        pattern, first = self._shape
        if first is None:
            starts: Iterator[int] = (i for i in range(len(text)) if i == 0 or text[i - 1].isspace())
        else:
            starts = _occurrences(text, first)
        for start in starts:
            match = pattern.match(text, start)
            if match is not None:
                yield match


def _parts_of_literal(text: str) -> tuple[str | None, ...]:
    parts: list[str | None] = []
    for i, piece in enumerate(_PLACEHOLDER.split(text)):
        if i:
            parts.append(_SLOT)
        parts.append(piece)
    return tuple(p for p in parts if p != "")


@cache
def templates() -> tuple[Template, ...]:
    found: set[tuple[str | None, ...]] = set()
    for path in sorted((ROOT / "reconciler").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = list(ast.walk(tree))
        specs = {
            id(n.format_spec)
            for n in nodes
            if isinstance(n, ast.FormattedValue) and n.format_spec is not None
        }
        pieces = {id(v) for n in nodes if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in nodes:
            if isinstance(node, ast.JoinedStr) and id(node) not in specs:
                found.add(
                    tuple(
                        str(v.value) if isinstance(v, ast.Constant) else _SLOT for v in node.values
                    )
                )
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in pieces
                # One word is a value, not wording: it is allowed as a value anyway.
                and re.search(r"\S\s+\S", node.value)
            ):
                found.add(_parts_of_literal(node.value))
    found |= {(phrase,) for phrase in FOREIGN}
    out = []
    for parts in found:
        # A message printed with print() or say() may start or end with a line
        # break the page does not show; one with a break inside is not one line.
        ends = list(parts)
        for at in (0, -1):
            part = ends[at]
            ends[at] = part.strip("\n") if part is not None else None
        template = Template(tuple(p for p in ends if p != ""))
        if template.parts and template.fixed.strip() and "\n" not in template.fixed:
            out.append(template)
    return tuple(out)


def _occurrences(text: str, part: str) -> Iterator[int]:
    at = text.find(part)
    while at >= 0:
        yield at
        at = text.find(part, at + 1)


def uncovered(message: str) -> list[str]:
    """What no template covers in `message` and is not a value."""
    # A time is a value; strftime writes it, not a template.
    message = _TIME.sub(lambda m: m[0].replace(" ", "_"), message)
    covered = [False] * len(message)
    for template in templates():
        if template.longest not in message:
            continue
        for match in template.matches(message):
            for group in range(1, (match.re.groups or 0) + 1):
                covered[match.start(group) : match.end(group)] = [True] * len(match[group])
    text = "".join("\x00" if done else ch for ch, done in zip(message, covered, strict=True))
    left = [run.strip() for run in text.split("\x00")]
    return [run for run in left if re.search(r"\s", run) and not _NAMES.fullmatch(run)]


@dataclass(frozen=True)
class Quoted:
    line: int
    text: str  # the page's line
    message: str  # what of it is checked against the templates

    def problems(self) -> list[str]:
        found = []
        finding = _FINDING.match(self.text)
        if finding and finding[1] not in _CODE:
            found.append(f"no finding code {finding[1]}")
        found += [f"wording no template has: {run!r}" for run in uncovered(self.message)]
        return found


def text_blocks(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of every line inside a ```text block."""
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            inside = not inside and line.strip() == "```text"
            continue
        if inside:
            yield number, line


def _messages(line: str) -> list[str]:
    """The messages a page line holds; [] for lines that are not output.

    Lines reconcile prints are checked whole: their labels (`error:`, a
    finding's code and place, `failed:` and a change id) are templates too.
    A log line's layout is structlog's, so only its event and quoted values are.
    """
    if not line.strip() or _SOURCE_EXCERPT.match(line):
        return []
    if line.startswith("{"):
        record = json.loads(line)
        return [record[k] for k in ("event", "reason") if isinstance(record.get(k), str)]
    if match := _CONSOLE_LOG.match(line):
        fields = _LOG_FIELD.findall(match[2])
        return [match[1], *(quoted for _, quoted, _ in fields if quoted)]
    if match := _FINDING.match(line):
        # The text renderer's layout: `  severity: code [place] message`.
        return [line[match.end() :]]
    return [line]


def quoted_messages(text: str) -> list[Quoted]:
    return [
        Quoted(number, line, message)
        for number, line in text_blocks(text)
        for message in _messages(line)
    ]


QUOTED = quoted_messages(PAGE.read_text(encoding="utf-8"))


def test_the_page_quotes_messages_and_the_code_has_templates() -> None:
    # Guards the parametrized test below against passing on nothing.
    assert len(QUOTED) > 100
    assert len(templates()) > 1000


@pytest.mark.parametrize("quoted", QUOTED, ids=[f"line{q.line}" for q in QUOTED])
def test_each_quoted_message_is_one_the_code_writes(quoted: Quoted) -> None:
    problems = quoted.problems()
    assert not problems, f"docs/troubleshooting.md:{quoted.line}: {problems} in {quoted.text!r}"


WRONG = """```text
error: GitHub rejected the credentials while read the rate limit (401: Bad credentials); check GITHUB_TOKEN/GH_TOKEN or the GitHub App id and private key
error: repository Alpha-Swarm-ai/x not found (404): it was removed or never existed
error: refusing to apply without confirmation: there is no terminal; review the plan
  warning: github.protection_weakned [Alpha-Swarm-ai/a/prod] this update removes every required reviewer on environment prod
13:55:22 [info     ] created the environment prod in a/prod http_status=200
```
"""


@pytest.mark.parametrize("quoted", quoted_messages(WRONG), ids=lambda q: f"line{q.line}")
def test_wording_or_codes_the_code_does_not_have_are_caught(quoted: Quoted) -> None:
    # The first is the page's own past mistake: the action is "reading the rate limit".
    assert quoted.problems()


RIGHT = """```text
error: repository Alpha-Swarm-ai/alphaswarm_missing not found (404): it does not exist or the credentials cannot see it
  warning: github.protection_weakened [prod] required_approvals lowered from 2 to 1: 4-eyes is no longer required (in 3 repositories: a, b, c)
13:55:22 [info     ] created environment prod in a/prod http_status=200
```
"""


@pytest.mark.parametrize("quoted", quoted_messages(RIGHT), ids=lambda q: f"line{q.line}")
def test_values_and_lists_of_values_are_not_wording(quoted: Quoted) -> None:
    assert quoted.problems() == []
