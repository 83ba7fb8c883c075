"""GitHub operations reconcile uses that the OpenAPI subset leaves out.

The subset in /work/shared/github-openapi is what the contract test validates
against; these operations are not in it. Their shapes here follow GitHub's
REST reference for them ("REST API endpoints for GitHub Actions OIDC"): the
`oidc-custom-sub-repo` and `oidc-custom-sub` schemas of GitHub's published
description. docs/emulator-fidelity.md records the departure.
"""

from __future__ import annotations

from typing import Any

_CLAIM_KEYS = {
    "description": "Array of unique strings. Each claim key can only contain alphanumeric "
    "characters and underscores.",
    "type": "array",
    "items": {"type": "string"},
}

SCHEMAS: dict[str, Any] = {
    "oidc-custom-sub-repo": {
        "title": "Actions OIDC subject customization for a repository",
        "type": "object",
        "properties": {
            "use_default": {"type": "boolean"},
            "include_claim_keys": _CLAIM_KEYS,
            # Returned by github.com since immutable subject claims (docs: "OpenID
            # Connect reference"); absent from older descriptions, so optional.
            "use_immutable_subject": {"type": "boolean"},
            "sub_claim_prefix": {"type": "string"},
        },
        "required": ["use_default"],
    },
    "oidc-custom-sub": {
        "title": "Actions OIDC Subject customization",
        "type": "object",
        "properties": {"include_claim_keys": _CLAIM_KEYS},
        "required": ["include_claim_keys"],
    },
}


def _answer(schema: str) -> dict[str, Any]:
    return {
        "description": "Status response",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


PATHS: dict[str, Any] = {
    "/repos/{owner}/{repo}/actions/oidc/customization/sub": {
        "get": {
            "summary": "Get the customization template for an OIDC subject claim for a repository",
            "operationId": "actions/get-custom-oidc-sub-claim-for-repo",
            "parameters": [
                {"$ref": "#/components/parameters/owner"},
                {"$ref": "#/components/parameters/repo"},
            ],
            "responses": {
                "200": _answer("oidc-custom-sub-repo"),
                "404": {"$ref": "#/components/responses/not_found"},
            },
        }
    },
    "/orgs/{org}/actions/oidc/customization/sub": {
        "get": {
            "summary": "Get the customization template for an OIDC subject claim for an "
            "organization",
            "operationId": "oidc/get-oidc-custom-sub-template-for-org",
            "parameters": [{"$ref": "#/components/parameters/org"}],
            "responses": {"200": _answer("oidc-custom-sub")},
        }
    },
}


def supplement(spec: dict[str, Any]) -> dict[str, Any]:
    """The subset with these operations added (the subset's own never replaced)."""
    for path, item in PATHS.items():
        spec["paths"].setdefault(path, item)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in SCHEMAS.items():
        schemas.setdefault(name, schema)
    return spec
