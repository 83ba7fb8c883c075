"""The JSON Schema of environments.yaml, generated from the model."""

from __future__ import annotations

from typing import Any

from reconciler.config.file_model import Config

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict[str, Any]:
    """Draft 2020-12 schema for editors and CI; descriptions come from the model."""
    generated = Config.model_json_schema(mode="validation")
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "environments.yaml (reconcile, version 1)",
        "description": (
            "GitHub deployment environments, reviewers, variables and secrets that "
            "`reconcile` makes real; see docs/configuration.md."
        ),
        **{key: value for key, value in generated.items() if key not in ("title", "description")},
    }
