"""Every write recorded, or no further write (issue 17, item 3).

A disk that fills in the middle of an apply, made with the kernel's own limit
on file size (RLIMIT_FSIZE, `ulimit -f`) in the apply's process: the audit
log takes its `start` record and a few more, then a write to it stops short,
as one to a file system that just filled does (reconcile reads a short write
as "No space left on device" and cuts the half line back). Ten
repositories and eight workers, so other workers are always waiting to write
when that happens. Every write GitHub performed must be in the trail, but the
one whose record failed, and the report must name that one.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from integration.helpers import SandboxFactory

from .support import TEN_WRITES, audit_lines, record_id, ten_repositories

APPLY = [sys.executable, "-m", "reconciler", "apply", "--yes"]
LIMIT = 2500  # bytes: the start record and about six records


def _file_size_limit() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def test_a_disk_that_fills_mid_run_leaves_no_write_unrecorded_but_the_named_one(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    config = ten_repositories(tmp_path)
    sandbox = make_sandbox(config)
    audit = tmp_path / "audit.jsonl"
    result = subprocess.run(
        [*APPLY, "-c", str(config), "--audit-log", str(audit), "--concurrency", "8", "--no-cache"],
        # Only the audit log is a file this process grows; no bytecode written either.
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        cwd=tmp_path,
        preexec_fn=_file_size_limit,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out, err = result.stdout, result.stderr

    assert result.returncode == 1, out + err
    assert "Traceback" not in err
    lines = audit_lines(audit)  # whole lines: the short write was cut back
    assert lines[0]["status"] == "start"
    recorded = [record_id(line) for line in lines[1:]]
    assert [line["status"] for line in lines[1:]] == ["ok"] * len(recorded)
    assert 1 <= len(recorded) < TEN_WRITES - 1
    performed = [r for r in sandbox.github.requests if r.is_write and r.status < 300]
    # The one write past the trail is the one whose record failed; none after it.
    assert len(performed) == len(recorded) + 1

    unrecorded = [line for line in out.splitlines() if line.startswith("unrecorded: ")]
    assert len(unrecorded) == 1, out
    (missing,) = [
        line.split("could not record the write ", 1)[1].split(" ", 1)[0] for line in unrecorded
    ]
    assert missing not in recorded
    assert unrecorded[0] == (
        f"unrecorded: the audit log {audit} could not record the write {missing} "
        "(status ok): No space left on device"
    )
    applied, not_started = len(performed), TEN_WRITES - len(performed)
    assert f"Apply: {applied} applied, 0 failed, 0 skipped, {not_started} not started." in out
    assert (
        "Stopped: the audit log could not record a write; no write was started after that."
    ) in out
    assert (
        f"error: the audit log {audit} could not record the write {missing} (status ok): "
        "No space left on device; no further write was started"
    ) in err
