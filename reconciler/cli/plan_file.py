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
        saved = json.loads(path.read_text(encoding="utf-8")).get(CONFIG_DIGEST)
    except (OSError, ValueError, AttributeError):
        saved = None
    if not isinstance(saved, str):
        return "the configuration or the live state changed since it was made"
    if saved != config_digest(desired, scope):
        return f"the configuration ({config}) changed since it was made"
    return "the live state on GitHub or AWS changed since it was made; the configuration did not"


def load_plan_file(path: Path) -> Plan:
    """A saved plan, or one line saying why the file is not one (never a traceback)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReconcileError(f"cannot read plan file {path}: {exc.strerror or exc}") from None
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
