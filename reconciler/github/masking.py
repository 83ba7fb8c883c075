"""Hiding sensitive text: the one routine every message passes before it is cut.

Kept apart from `redaction` (which refuses settings with a GitHubError) so that
`errors` can hide values while it builds messages: a message is cut to a
readable length only after the values are gone, or a cut through the middle of
one would leave its first characters behind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "(sensitive)"

# Lines of a multi-line value shorter than this are not hidden one by one:
# "-----" or "}" would blank out half of any message.
_MIN_LINE = 8

# Credentials whatever their value: an App's JWT is signed anew for each
# request, and a token other than ours (pasted into a message by a proxy, an
# installation token handed out a moment ago) is no less secret.
_CREDENTIAL_SHAPES = (
    r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
    r"gh[pousr]_[A-Za-z0-9]{30,}",
    r"github_pat_[A-Za-z0-9_]{30,}",
)


def _forms(values: Iterable[str]) -> set[str]:
    """Every form in which a value could appear in a message: itself, stripped,
    with its whitespace collapsed (as one-line messages are), JSON-escaped,
    and each of its longer lines."""
    forms: set[str] = set()
    for value in values:
        if not value:
            continue
        forms.update(
            f for f in (value, value.strip(), " ".join(value.split()), json.dumps(value)[1:-1]) if f
        )
        forms.update(line.strip() for line in value.splitlines() if len(line.strip()) >= _MIN_LINE)
    return forms


def _pattern(values: Iterable[str]) -> re.Pattern[str]:
    # Longest first: a line of a value must not win over the whole value.
    literal = [re.escape(f) for f in sorted(_forms(values), key=len, reverse=True)]
    return re.compile("|".join([*literal, *_CREDENTIAL_SHAPES]), re.IGNORECASE)


def scrub(text: str, *values: str) -> str:
    """`text` with every form of `values`, in any letter case, and anything shaped
    like a GitHub token or JWT replaced by REDACTED."""
    return _pattern(values).sub(REDACTED, text)


def clip(text: str, limit: int, *values: str) -> str:
    """`text` scrubbed of `values`, then cut to `limit` characters (in that order)."""
    return scrub(text, *values)[:limit]


def scrub_data(data: Any, *values: str) -> Any:
    """A decoded JSON answer with every string in it (keys too) scrubbed.

    Answers are bounded in depth before they are decoded (`transport`), so
    the recursion is too.
    """
    pattern = _pattern(values)

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return pattern.sub(REDACTED, item)
        if isinstance(item, list):
            return [walk(i) for i in item]
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        return item

    return walk(data)
