"""environments.yaml: load, validate (offline) and expand to the desired state."""

from reconciler.config.errors import ConfigError
from reconciler.config.expand import expand
from reconciler.config.file_model import Config
from reconciler.config.loader import load_config, load_desired, require_file
from reconciler.config.schema import json_schema

__all__ = [
    "Config",
    "ConfigError",
    "expand",
    "json_schema",
    "load_config",
    "load_desired",
    "require_file",
]
