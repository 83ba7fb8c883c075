"""How a stage reports progress, without knowing whether anyone shows it.

Each stage that knows how much it has to do asks the tracker for a counter
(`track("Reading GitHub repositories", 40)`) and calls it once per item
done. `quiet` shows nothing: the default of every stage, and what the CLI
passes off a terminal. The display itself is `reconciler.cli.progress`.
"""

from __future__ import annotations

from collections.abc import Callable

Advance = Callable[[], None]  # one more item done
Tracker = Callable[[str, int], Advance]  # (label, how many items) -> its counter


def _nothing() -> None:
    return None


def quiet(label: str, total: int) -> Advance:
    """Shows nothing."""
    return _nothing
