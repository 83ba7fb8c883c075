"""No file in the repository names a path of the machine it was written on.

A test or a doc that reads a machine's work folder or the author's home passes where it
was written and fails on every fresh clone (the OpenAPI subsets once lived
outside the repository that way). Example paths in docs (`/home/me/...`) are
fine: they name no real machine.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return [ROOT / name for name in out.decode().split("\0") if name]


def _machine_paths() -> set[str]:
    # The checkout itself, wherever it is, and where this project's machines keep work.
    here = {str(ROOT) + "/", "/" + "work/", "/root/"}  # spelt apart: this file is scanned too
    home = str(Path.home())
    if home not in {"/", ""}:
        here.add(home + "/")
    return here


def test_no_file_names_a_path_of_this_machine() -> None:
    paths = _machine_paths()
    offenders = []
    for path in _tracked_files():
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        offenders += [
            f"{path.relative_to(ROOT)}: {p}"
            for p in sorted(paths)
            if p in text and not _only_in_this_test(path)
        ]
    assert not offenders, f"machine paths in the repository: {offenders}"


def _only_in_this_test(path: Path) -> bool:
    # This file spells the patterns it looks for.
    return path.resolve() == Path(__file__).resolve()
