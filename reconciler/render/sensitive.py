"""Which changes are about secrets, whose values no output shows.

The guarantee itself is in the types: a secret change's payloads
(`reconciler.model.payloads`) have no value field, so a plan, even one read from a
tampered file, has no secret value to show.
"""

from __future__ import annotations

from reconciler.model.plan import Resource

SECRET_RESOURCES = frozenset({Resource.SECRET, Resource.REPOSITORY_SECRET})
