"""load_config / load_desired: the file on disk to a validated model or DesiredState.

Every mistake of the file is reported in one run, in file order: what the
reader found, what the model refused, and what the whole-file rules find in
the rest. When the model refuses something, the rules run on the file mended
around it (a misspelt key renamed, a wrong value left out), and what they
find near a left-out value is dropped: it would only be an echo of it.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reconciler.config.errors import ConfigError, combined
from reconciler.config.expand import expand
from reconciler.config.file_model import Config
from reconciler.config.messages import Translated, translate
from reconciler.config.positions import ENTITY_COLLECTIONS, Path_, SourceMap
from reconciler.config.semantics import problems
from reconciler.config.source import read_tree
from reconciler.errors import InvariantError
from reconciler.model.desired import DesiredState

SUPPORTED_VERSION = 1


def load_config(path: Path) -> Config:
    """Read and validate `path` offline; raise ConfigError naming FILE:LINE:COL.

    The ConfigError is the first problem in the file; `.more` holds the rest.
    """
    path = Path(path)
    data, positions, found = read_tree(path)
    file = str(path)
    _check_shape(file, data, positions)
    config: Config | None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        # Not chained: the pydantic error holds the input, secrets included.
        refused = translate(file, exc, positions)
        found.extend(refused.errors)
        config = _mended(data, refused, positions)
        echoes = [_scope(removed) for removed in refused.removals]
    else:
        echoes = []
    if config is not None:
        found.extend(
            error
            for at, error in problems(config, positions, file)
            if not any(_within(at, scope) for scope in echoes)
        )
    error = combined(found)
    if error is not None:
        raise error from None
    if config is None:
        raise InvariantError(f"{file} was refused without an error to show")
    return config


def require_file(path: Path, hint: str) -> None:
    """A missing config file as one error that names the path tried and what to do.

    `hint` is the way out on the command line that was used, e.g. "-c PATH".
    """
    if not path.exists():
        raise ConfigError(path, 1, 1, f"no such file (looked for {path.resolve()}); {hint}")


def load_desired(path: Path) -> DesiredState:
    """load_config, then expand to repositories x environments."""
    return replace(expand(load_config(path)), source=str(path))


def _mended(data: dict[str, Any], refused: Translated, positions: SourceMap) -> Config | None:
    """The model of the file with misspelt keys renamed and refused values left out.

    A renamed key keeps its place in `positions` under the name it was meant to have.
    """
    if not refused.mendable:
        return None
    mended = copy.deepcopy(data)
    for parent, written, meant in refused.renames:
        holder = _at(mended, parent)
        if isinstance(holder, dict) and written in holder and meant not in holder:
            holder[meant] = holder.pop(written)
            positions.rename((*parent, written), (*parent, meant))
    # Deepest and last first, so removing a list item does not shift the next one.
    for loc in sorted(refused.removals, key=lambda p: (len(p), str(p)), reverse=True):
        holder = _at(mended, loc[:-1])
        if isinstance(holder, dict):
            holder.pop(loc[-1], None)
        elif isinstance(holder, list) and isinstance(loc[-1], int) and loc[-1] < len(holder):
            del holder[loc[-1]]
    try:
        return Config.model_validate(mended)
    except ValidationError:
        return None


def _at(data: Any, path: Path_) -> Any:
    for seg in path:
        found = isinstance(data, dict) and seg in data
        found = found or (isinstance(data, list) and isinstance(seg, int) and seg < len(data))
        if not found:
            return None
        data = data[seg]
    return data


def _scope(removed: Path_) -> Path_:
    """The named thing (environment, repository, variable, secret) a removal sits in;
    the whole file when it sits in none."""
    for end in range(len(removed) - 1, 0, -1):
        if removed[end - 1] in ENTITY_COLLECTIONS and isinstance(removed[end], str):
            return removed[: end + 1]
    return ()


def _within(path: Path_, scope: Path_) -> bool:
    if path[: len(scope)] == scope:
        return True
    # A shared environment is also every repository's environment of that name.
    if len(scope) >= 2 and scope[0] == "environments":
        return len(path) >= 4 and path[0] == "repositories" and path[2:4] == scope[:2]
    return False


def _check_shape(file: str, data: Any, positions: SourceMap) -> None:
    # Settled before the model so a list, or a version-2 file, gets one clear
    # sentence instead of a pile of unknown-key errors.
    if not isinstance(data, dict):
        at = positions.value(())
        kind = "a list" if isinstance(data, list) else "a single value"
        raise ConfigError(
            file,
            at.line,
            at.column,
            f"the top level must be a mapping of keys (version, github, environments, ...), "
            f"not {kind}",
        )
    if "version" in data:
        version = data["version"]
        if type(version) is not int or version != SUPPORTED_VERSION:
            at = positions.value(("version",))
            written = positions.raw.get(("version",), type(version).__name__)
            raise ConfigError(
                file,
                at.line,
                at.column,
                f"unsupported version {written}; this reconcile reads version 1 only",
            )
