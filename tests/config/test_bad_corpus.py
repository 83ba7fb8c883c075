"""Every wrong config in tests/data/bad/ fails with one sentence at the right place.

Each file's first line is `# expect: LINE:COL: substring of the message`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest

from reconciler.config import ConfigError, load_config, source
from reconciler.config.source import MAX_ALIAS_NODES

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$")
CORPUS = sorted(BAD.glob("*.yaml"))
SOURCE_FILE = source.__file__


def _expectation(path: Path) -> tuple[int, int, str]:
    lines = path.read_bytes().split(b"\n", 1)
    match = EXPECT.match(lines[0].decode("utf-8").rstrip())
    assert match, f"{path.name}: first line must be '# expect: LINE:COL: text'"
    return int(match[1]), int(match[2]), match[3]


def _assert_one_line_error(
    error: ConfigError, path: Path, line: int, column: int, text: str
) -> None:
    rendered = str(error)
    assert "\n" not in rendered
    assert rendered.startswith(f"{path}:{line}:{column}: "), rendered
    assert (error.file, error.line, error.column) == (str(path), line, column)
    assert text in error.message, rendered
    assert rendered == f"{path}:{line}:{column}: {error.message}"
    # Never a pydantic dump or a Python repr leaking through.
    for noise in ("validation error", "Traceback", "pydantic", "input_value", "For further"):
        assert noise not in rendered


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 35


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_config(path: Path) -> None:
    line, column, text = _expectation(path)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    _assert_one_line_error(caught.value, path, line, column, text)


def test_file_over_one_mebibyte(tmp_path: Path) -> None:
    path = tmp_path / "environments.yaml"
    path.write_bytes(b"version: 1\n" + b"# padding padding padding\n" * 200_000)
    size = path.stat().st_size
    assert size > 5_000_000
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    _assert_one_line_error(caught.value, path, 1, 1, f"{size:,} bytes")
    assert "1,048,576 bytes (1 MiB)" in caught.value.message


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "environments.yaml"
    path.write_bytes(b"version: 1\ngithub:\n  owner: caf\xe9\nrepositories: {a: {}}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    _assert_one_line_error(caught.value, path, 3, 13, "not valid UTF-8")
    assert "0xe9" in caught.value.message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    _assert_one_line_error(caught.value, path, 1, 1, "cannot read the file")


def test_literal_secret_value_never_echoed(tmp_path: Path) -> None:
    path = tmp_path / "environments.yaml"
    path.write_text(
        "version: 1\ngithub: {owner: o}\nrepositories:\n  r:\n    secrets:\n"
        "      TOKEN: hunter2-very-secret\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "hunter2" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert "aws_secret, ssm_parameter or env" in caught.value.message


def _count_conversions(load: Callable[[], object]) -> int:
    """How many YAML nodes the loader converted (one call of its `convert` each)."""
    calls = 0

    def profile(frame: FrameType, event: str, _: object) -> None:
        nonlocal calls
        code = frame.f_code
        if event == "call" and code.co_name == "convert" and code.co_filename == SOURCE_FILE:
            calls += 1

    sys.setprofile(profile)
    try:
        load()
    finally:
        sys.setprofile(None)
    return calls


def test_wide_alias_bomb_is_refused_early(tmp_path: Path) -> None:
    # 30 levels of doubling: 2**30 leaves if expanded.
    lines = ["version: 1", 'l0: &l0 ["x"]']
    lines += [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, 30)]
    path = tmp_path / "environments.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    caught: list[ConfigError] = []

    def load() -> None:
        try:
            load_config(path)
        except ConfigError as error:
            caught.append(error)

    conversions = _count_conversions(load)

    assert len(caught) == 1
    assert f"expand to more than {MAX_ALIAS_NODES:,} values" in caught[0].message
    assert "alias bomb" in caught[0].message
    # Bounded work: the loader stops at the limit, not after expanding 2**30 values
    # (the file itself has under a hundred nodes).
    assert MAX_ALIAS_NODES < conversions <= MAX_ALIAS_NODES + 100


def test_first_problem_in_the_file_wins(tmp_path: Path) -> None:
    path = tmp_path / "environments.yaml"
    path.write_text(
        "version: 1\n"
        "github: {owner: o}\n"
        "environments:\n"
        "  dev: {required_approvals: 0, colour: blue}\n"
        "  prod: {required_approvals: 9}\n"
        "repositories: {r: {}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.line, caught.value.column) == (4, 32)
    assert "unknown key 'colour'" in caught.value.message


@pytest.mark.parametrize(
    ("override", "line", "column", "text"),
    [
        # The override's 0 makes the inherited reviewers wrong: point at the 0.
        (
            "{required_approvals: 0}",
            9,
            49,
            "environment 'prod' in repository 'r' has required_approvals 0",
        ),
        ("{required_approvals: 0, reviewers: []}", None, None, None),
        ("{prevent_self_review: false}", 9, 50, "required_approvals 2 (4-eyes)"),
        ("{reviewers: []}", 5, 25, "environment 'prod' in repository 'r' has required_approvals 2"),
        ("{variables: {Log_level: x}}", 9, 41, "differs only in case from variable 'LOG_LEVEL'"),
    ],
)
def test_rules_apply_to_the_merged_override(
    tmp_path: Path, override: str, line: int | None, column: int | None, text: str | None
) -> None:
    path = tmp_path / "environments.yaml"
    path.write_text(
        "version: 1\n"
        "github: {owner: o}\n"
        "environments:\n"
        "  prod:\n"
        "    required_approvals: 2\n"
        "    reviewers: [team:a, user:b]\n"
        "variables: {LOG_LEVEL: info}\n"
        "repositories:\n"
        f"  r: {{environments: {{prod: {override}}}}}\n",
        encoding="utf-8",
    )
    if text is None:
        env = load_config(path).repositories["r"].environments["prod"]
        assert env.required_approvals == 0
        return
    assert line is not None and column is not None
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    _assert_one_line_error(caught.value, path, line, column, text)
