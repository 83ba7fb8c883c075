"""A local emulator of the GitHub REST API subset reconcile uses (tests and demos only)."""

from reconciler.sandbox.github.crypto import seal
from reconciler.sandbox.github.emulator import GitHubEmulator
from reconciler.sandbox.github.records import (
    Dispatch,
    FaultKind,
    FaultRule,
    LoggedRequest,
    RequestRecord,
)

__all__ = [
    "Dispatch",
    "FaultKind",
    "FaultRule",
    "GitHubEmulator",
    "LoggedRequest",
    "RequestRecord",
    "seal",
]
