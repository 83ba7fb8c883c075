"""Saved plans (`plan --out`, `apply --plan`): reading one, and telling why it is stale."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.errors import ReconcileError
from reconciler.model.plan import Plan

if TYPE_CHECKING:
    from reconciler.model.desired import DesiredState
    from reconciler.run.scope import Scope


# As environments.yaml is capped (reconciler.config.source.MAX_BYTES), so is a saved
# plan: /dev/zero or /dev/urandom given as one must not be read until memory runs
# out. A plan of a 1 MiB configuration, holding values GitHub holds besides, stays
# far below this.
MAX_PLAN_BYTES = 64 * 1024 * 1024

# The saved plan's record of the desired state it was made from: when apply --plan
# refuses a stale file, this tells whether the configuration or the live state moved.
CONFIG_DIGEST = "config_digest"


def config_digest(desired: DesiredState, scope: Scope) -> str:
    """A digest of what the config wants in `scope`, blind to comments and key order."""
    from reconciler.diff.review import desired_diff

    wanted = desired_diff(None, scope.narrow(desired))
    return "sha256:" + hashlib.sha256(wanted.dumps().encode("utf-8")).hexdigest()


def what_changed(path: Path, config: Path, desired: DesiredState, scope: Scope) -> str:
    """For a stale saved plan: which side changed since it was made."""
    try:
        saved = json.loads(_read_capped(path).decode("utf-8")).get(CONFIG_DIGEST)
    except (OSError, ValueError, AttributeError, RecursionError):
        saved = None
    if not isinstance(saved, str):
        return "the configuration or the live state changed since it was made"
    if saved != config_digest(desired, scope):
        return f"the configuration ({config}) changed since it was made"
    return "the live state on GitHub or AWS changed since it was made; the configuration did not"


class _TooLarge(ValueError):
    pass


def _read_capped(path: Path) -> bytes:
    """The file's bytes; _TooLarge past MAX_PLAN_BYTES (a device has no size to stat)."""
    if path.stat().st_size > MAX_PLAN_BYTES:
        raise _TooLarge
    with path.open("rb") as handle:
        data = handle.read(MAX_PLAN_BYTES + 1)
    if len(data) > MAX_PLAN_BYTES:
        raise _TooLarge
    return data


def load_plan_file(path: Path) -> Plan:
    """A saved plan, or one line saying why the file is not one (never a traceback)."""
    try:
        text = _read_capped(path).decode("utf-8")
    except OSError as exc:
        raise ReconcileError(f"cannot read plan file {path}: {exc.strerror or exc}") from None
    except _TooLarge:
        raise ReconcileError(
            f"{path} is not a reconcile plan file: it holds more than {MAX_PLAN_BYTES:,} bytes "
            f"({MAX_PLAN_BYTES // (1024 * 1024)} MiB), the limit for a saved plan"
        ) from None
    except UnicodeDecodeError as exc:
        raise ReconcileError(
            f"{path} is not a reconcile plan file: not UTF-8 text ({exc.reason})"
        ) from None
    try:
        return Plan.from_json(json.loads(text))
    except RecursionError:
        raise ReconcileError(
            f"{path} is not a reconcile plan file: its JSON is nested too deeply"
        ) from None
    except json.JSONDecodeError as exc:
        raise ReconcileError(
            f"{path} is not a reconcile plan file: invalid JSON at line {exc.lineno} "
            f"column {exc.colno} ({exc.msg})"
        ) from None
    except ValueError as exc:
        raise ReconcileError(f"{path} is not a reconcile plan file: {exc}") from None
