"""load_config / load_desired: the file on disk to a validated model or DesiredState."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reconciler.config.errors import ConfigError
from reconciler.config.expand import expand
from reconciler.config.messages import first_error
from reconciler.config.model import Config
from reconciler.config.positions import SourceMap
from reconciler.config.semantics import check
from reconciler.config.source import read_tree
from reconciler.desired import DesiredState

SUPPORTED_VERSION = 1


def load_config(path: Path) -> Config:
    """Read and validate `path` offline; raise ConfigError naming FILE:LINE:COL."""
    path = Path(path)
    data, positions = read_tree(path)
    file = str(path)
    _check_shape(file, data, positions)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        # `from None`: the pydantic error holds the input, secrets included.
        raise first_error(file, exc, positions) from None
    check(config, positions, file)
    return config


def load_desired(path: Path) -> DesiredState:
    """load_config, then expand to repositories x environments."""
    return replace(expand(load_config(path)), source=str(path))


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
