"""GitHub's page/per_page paging with a Link header in GitHub's own form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import urlencode

from reconciler.sandbox.github.http import Ctx

T = TypeVar("T")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def paginate(ctx: Ctx, items: Sequence[T], default: int, maximum: int) -> tuple[list[T], str]:
    """The requested page of `items` and its Link header ("" when one page holds all)."""
    per_page = _int(ctx.query.get("per_page"), default)
    per_page = default if per_page < 1 else min(per_page, maximum)
    page = max(_int(ctx.query.get("page"), 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = list(items[(page - 1) * per_page : page * per_page])
    path = ctx.link_path or "/".join(ctx.raw_segments)
    # GitHub's links keep the request's filters (`issues?page=2&state=closed`).
    kept = [(k, v) for k, v in ctx.query.items() if k not in {"page", "per_page"}]

    def url(number: int) -> str:
        return f"{ctx.base}{path}?{urlencode([*kept, ('per_page', per_page), ('page', number)])}"

    links: list[str] = []
    if page > 1:
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
        links.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return chunk, ", ".join(links)
