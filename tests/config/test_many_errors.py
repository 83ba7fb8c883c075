"""`reconcile validate` on a file with several mistakes: all of them in one run,
in file order, each `FILE:LINE:COL: sentence` (issue 13, item 3)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from integration.helpers import FIXTURE_CONFIG, CliRunner

ROOT_TEXT = FIXTURE_CONFIG.read_text(encoding="utf-8")
LOCATED = re.compile(r"^error: (?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")


def _edited(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = ROOT_TEXT
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "environments.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def _errors(cli: CliRunner, path: Path) -> list[tuple[int, int, str]]:
    result = cli("validate", "-c", path)
    assert result.code == 1
    assert result.out == ""
    assert "Traceback" not in result.err
    found = []
    for line in result.err.splitlines():
        located = LOCATED.match(line)
        if located:
            assert located["file"] == str(path)
            found.append((int(located["line"]), int(located["col"]), located["message"]))
    return found


def test_two_mistakes_are_reported_in_one_run_in_file_order(cli: CliRunner, tmp_path: Path) -> None:
    path = _edited(
        tmp_path,
        ("  AWS_PLAN_ROLE_ARN: {iam_role", "  GITHUB_PLAN_ROLE: {iam_role"),
        ("    required_approvals: 1\n", "    required_approval: 1\n"),
    )
    errors = _errors(cli, path)
    assert errors == [
        (
            _line_of(path, "required_approval: 1"),
            5,
            "unknown key 'required_approval' in environment 'staging'; "
            "did you mean 'required_approvals'?",
        ),
        (
            _line_of(path, "GITHUB_PLAN_ROLE"),
            3,
            "variable 'GITHUB_PLAN_ROLE' starts with GITHUB_, which GitHub reserves",
        ),
    ]


def test_a_misspelt_top_level_key_is_named_with_a_suggestion(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = _edited(tmp_path, ("\nrepositories:\n", "\nrepositores:\n"))
    errors = _errors(cli, path)
    assert errors == [
        (
            _line_of(path, "repositores:"),
            1,
            "unknown key 'repositores' at the top level; did you mean 'repositories'?",
        )
    ]


def test_a_misspelt_key_does_not_also_raise_its_consequences(
    cli: CliRunner, tmp_path: Path
) -> None:
    # Without `reviewers`, staging's one approval would have nobody to ask.
    path = _edited(
        tmp_path,
        ("    reviewers: [team:platform-approvers]\n", "    reviwers: [team:platform-approvers]\n"),
    )
    assert [message for _, _, message in _errors(cli, path)] == [
        "unknown key 'reviwers' in environment 'staging'; did you mean 'reviewers'?"
    ]


def test_errors_in_values_and_whole_file_rules_come_together(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = _edited(
        tmp_path,
        ("    reviewers: [team:platform-approvers]\n", "    reviewers: [platform-approvers]\n"),
        ('    deployment_tags: ["v*"]\n', '    deployment_tags: ["v*"]\n    wait_timer: 99999\n'),
        ("        account: prod\n", "        account: qa\n"),
    )
    errors = _errors(cli, path)
    assert [line for line, _, _ in errors] == [
        _line_of(path, "reviewers: [platform-approvers]"),
        _line_of(path, "wait_timer: 99999"),
        _line_of(path, "account: qa"),
    ]
    assert "neither 'team:<slug>' nor 'user:<login>'" in errors[0][2]
    assert "between 0 and 43200 minutes" in errors[1][2]
    assert "names account 'qa'" in errors[2][2]


def test_a_shared_environment_mistake_is_reported_once(cli: CliRunner, tmp_path: Path) -> None:
    # Every repository gets prod: its mistake is still one line, not one per repository.
    path = _edited(
        tmp_path,
        (
            "    deployment_branches: [main]\n",
            "    deployment_branches: [main]\n    prevent_self_review: false\n",
        ),
    )
    errors = _errors(cli, path)
    assert len(errors) == 1, errors
    assert "required_approvals 2 (4-eyes)" in errors[0][2]


def test_every_duplicate_key_and_tab_is_reported(cli: CliRunner, tmp_path: Path) -> None:
    duplicated = _edited(
        tmp_path,
        ("  owner: Alpha-Swarm-ai\n", "  owner: Alpha-Swarm-ai\n  owner: other\n"),
        ("prune: false\n", "prune: false\nprune: true\n"),
    )
    assert [message for _, _, message in _errors(cli, duplicated)] == [
        f"duplicate key 'owner' in 'github' (first given on line {_line_of(duplicated, 'owner: Alpha')})",
        f"duplicate key 'prune' (first given on line {_line_of(duplicated, 'prune: false')})",
    ]
    tabs = tmp_path / "tabs.yaml"
    tabs.write_text("version: 1\ngithub:\n\towner: o\nrepositories:\n\tr: {}\n", encoding="utf-8")
    assert [(line, col) for line, col, _ in _errors(cli, tabs)] == [(3, 1), (5, 1)]


def test_an_unclosed_bracket_is_reported_where_it_opens_with_the_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    path = _edited(
        tmp_path,
        ("    reviewers: [team:platform-approvers]\n", "    reviewers: [team:platform-approvers\n"),
    )
    result = cli("validate", "-c", path)
    assert result.code == 1
    line = _line_of(path, "reviewers: [team:platform-approvers")
    assert result.err.splitlines() == [
        f"error: {path}:{line}:16: invalid YAML: the '[' opened here is never closed: "
        f"YAML reached line {line + 4} without finding its end",
        f"{line:>5} |     reviewers: [team:platform-approvers",
        "      |                ^",
    ]


@pytest.mark.parametrize(
    ("text", "where", "sentence"),
    [
        ('version: 1\ngithub:\n  owner: "o\nrepositories: {r: {}}\n', "3:10", "quoted string"),
        ("version: 1\ngithub:\n  owner: o\n environments: {}\n", "4:2", "indentation"),
        ("version: 1\ngithub: {owner: o\nrepositories: {r: {}}\n", "2:9", "'{' opened here"),
    ],
    ids=["quote", "indent", "brace"],
)
def test_yaml_syntax_errors_point_at_what_to_fix(
    cli: CliRunner, tmp_path: Path, text: str, where: str, sentence: str
) -> None:
    path = tmp_path / "environments.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli("validate", "-c", path)
    first = result.err.splitlines()[0]
    assert first.startswith(f"error: {path}:{where}: invalid YAML: "), first
    assert sentence in first
    number = int(where.split(":", maxsplit=1)[0])
    assert result.err.splitlines()[1] == f"{number:>5} | {text.splitlines()[number - 1]}"


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["validate"], "give the path of your environments.yaml with -c PATH"),
        (["plan"], "give the path of your environments.yaml with -c PATH"),
        (["apply", "--yes"], "give the path of your environments.yaml with -c PATH"),
        (["export"], "or name the repositories to export with --repo OWNER/NAME"),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else "",
)
def test_a_missing_config_names_the_path_tried_and_the_way_out(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], hint: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(*args)
    assert result.code == 1
    tried = tmp_path.resolve() / "environments.yaml"
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith(
        f"error: environments.yaml:1:1: no such file (looked for {tried}); "
    )
    assert hint in result.err
