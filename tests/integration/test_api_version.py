"""Every request names GitHub's REST API version and media type (issue 21).

Checked from the emulator's own log, over runs that read, write, resolve
reviewers, check a dispatch token with a connection of its own, and export.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.sandbox.runner import Sandbox

from .helpers import CliRunner

API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"


def test_every_request_names_the_api_version_and_the_media_type(
    cli: CliRunner, sandbox: Sandbox, tmp_path: Path
) -> None:
    applied = cli("apply", "--yes")
    assert applied.code == 0, applied.err
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 0, planned.out + planned.err
    exported = cli("export", "-o", tmp_path / "exported.yaml")
    assert exported.code == 0, exported.err

    logged = sandbox.github.requests
    methods = {r.method for r in logged}
    assert {"GET", "PUT", "POST"} <= methods
    headers = {(r.api_version, r.accept) for r in logged}
    assert headers == {(API_VERSION, MEDIA_TYPE)}, [
        f"{r.method} {r.path}: {r.api_version} {r.accept}"
        for r in logged
        if (r.api_version, r.accept) != (API_VERSION, MEDIA_TYPE)
    ][:5]
    # Every answer was served, none refused for its version.
    assert all(r.status != 400 for r in logged)
