"""PyGithub's import-time log handler, writing to the live stderr.

`import github` adds a StreamHandler bound to the sys.stderr of that moment;
in a test process that is soon some finished test's closed capture. A real
run writes to its own live stderr, so that is what the tests reproduce.
"""

from __future__ import annotations

import logging
import sys

import pytest


class _LiveStderr:
    """Whatever sys.stderr is at the time of each write (the test's capture)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


@pytest.fixture(autouse=True)
def _pygithub_handler_on_live_stderr() -> None:
    import github  # noqa: F401 (importing it adds the handler)

    for handler in logging.getLogger("github").handlers:
        if type(handler) is logging.StreamHandler:
            handler.setStream(_LiveStderr())
