"""The API version and media type set on each request as it leaves (issue 21)."""

from __future__ import annotations

import pytest
from requests.structures import CaseInsensitiveDict

from reconciler.github.versioning import API_VERSION, MEDIA_TYPE, name_the_api


@pytest.mark.parametrize(
    ("accept", "sent"),
    [
        (None, MEDIA_TYPE),
        ("*/*", MEDIA_TYPE),
        ("application/json", MEDIA_TYPE),
        ("application/vnd.github.v3+json", MEDIA_TYPE),
        # PyGithub's GitHub App calls still ask for a retired preview.
        ("application/vnd.github.machine-man-preview+json", MEDIA_TYPE),
        ("application/vnd.github.barred-rock-preview", MEDIA_TYPE),
        # A request for another kind of answer keeps its own media type.
        ("application/vnd.github.v3.repository+json", "application/vnd.github.v3.repository+json"),
        ("application/vnd.github.raw+json", "application/vnd.github.raw+json"),
        ("application/octet-stream", "application/octet-stream"),
    ],
)
def test_each_request_names_the_version_and_accepts_the_media_type(
    accept: str | None, sent: str
) -> None:
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    if accept is not None:
        headers["accept"] = accept
    headers["x-github-api-version"] = "1999-01-01"
    name_the_api(headers)
    assert headers["Accept"] == sent
    assert headers["X-GitHub-Api-Version"] == API_VERSION
    assert len(headers) == 2
