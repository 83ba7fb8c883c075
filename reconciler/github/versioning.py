"""The REST API version and media type every request names (docs/emulator-fidelity.md,
"The REST API version").

Without `X-GitHub-Api-Version` GitHub answers with its default version, which
may change under us; its docs ask clients to name the version and to accept
`application/vnd.github+json`. PyGithub's Requester adds only auth, the
User-Agent and (when asked) the version; it names an Accept only for a few
calls, some of them retired preview media types (its GitHub App calls, the
installation-token request among them, ask for `machine-man-preview`), and
requests fills in `Accept: */*` for the rest. So both headers are set here,
once, on each request as it leaves through our adapter (`transport.PacedAdapter`),
whichever PyGithub call or `calls.send` made it.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping

API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
VERSION_HEADER = "X-GitHub-Api-Version"

# Accept values that ask for GitHub's ordinary JSON: replaced by the media type.
# Others (raw file contents, `application/vnd.github.v3.repository+json`, ...)
# ask for a different answer and are kept.
_PLAIN_JSON = frozenset({"*/*", "application/json", "application/vnd.github.v3+json"})
# A preview media type of the v3 API: every one has graduated into the versioned API.
_PREVIEW = re.compile(r"application/vnd\.github\.[a-z-]+-preview(\+json)?")


def name_the_api(headers: MutableMapping[str, str]) -> None:
    """Set the API version and, where the request asks for plain JSON, the media type."""
    headers[VERSION_HEADER] = API_VERSION
    accept = headers.get("Accept", "*/*")
    if accept in _PLAIN_JSON or _PREVIEW.fullmatch(accept):
        headers["Accept"] = MEDIA_TYPE
