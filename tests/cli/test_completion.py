"""Shell completion as a user sets it up: `eval "$(reconcile completion bash)"`."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest
from integration.helpers import run_reconcile

from reconciler.cli.parser import build_parser


def _script(shell: str, cwd: Path) -> str:
    proc = run_reconcile("completion", shell, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


def _bash_completes(script: Path, cwd: Path, *words: str) -> list[str]:
    """What bash offers after `reconcile WORDS...<TAB>` (the last word is being typed)."""
    line = " ".join(("reconcile", *words))
    program = f"""
source {shlex.quote(str(script))}
COMP_WORDS=(reconcile {" ".join(shlex.quote(w) for w in words)})
COMP_CWORD={len(words)}
COMP_LINE={shlex.quote(line)}
COMP_POINT=${{#COMP_LINE}}
_shtab_reconcile
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return sorted(filter(None, proc.stdout.splitlines()))


@pytest.fixture
def bash_script(tmp_path: Path) -> Path:
    path = tmp_path / "reconcile.bash"
    path.write_text(_script("bash", tmp_path), encoding="utf-8")
    return path


def test_bash_completes_commands_options_choices_and_files(
    bash_script: Path, tmp_path: Path
) -> None:
    (tmp_path / "environments.yaml").write_text("version: 1\n", encoding="utf-8")
    (tmp_path / "envs-old.yaml").write_text("version: 1\n", encoding="utf-8")
    commands = sorted(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert _bash_completes(bash_script, tmp_path, "") == commands
    assert _bash_completes(bash_script, tmp_path, "pl") == ["plan"]
    assert _bash_completes(bash_script, tmp_path, "plan", "--detailed") == ["--detailed-exitcode"]
    assert _bash_completes(bash_script, tmp_path, "plan", "--format", "") == [
        "json",
        "markdown",
        "text",
    ]
    assert _bash_completes(bash_script, tmp_path, "plan", "-c", "env") == [
        "environments.yaml",
        "envs-old.yaml",
    ]
    assert _bash_completes(bash_script, tmp_path, "completion", "") == ["bash", "zsh"]


def test_the_bash_script_registers_itself_when_evaluated(bash_script: Path) -> None:
    proc = subprocess.run(
        [
            "bash",
            "--norc",
            "--noprofile",
            "-c",
            f'eval "$(cat {shlex.quote(str(bash_script))})"; complete -p reconcile',
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.stdout.strip() == "complete -o bashdefault -F _shtab_reconcile reconcile"


def test_the_zsh_script_defines_and_registers_the_completion(tmp_path: Path) -> None:
    script = _script("zsh", tmp_path)
    assert script.startswith("#compdef reconcile")
    # Evaluated from ~/.zshrc it registers itself; from $fpath it is the function.
    assert "compdef _shtab_reconcile -N reconcile" in script
    for command in ("validate", "plan", "apply", "export", "diff", "sandbox", "demo"):
        assert f"\n        {command}) _arguments" in script, command
    assert "--detailed-exitcode" in script
    assert "(text json markdown)" in script


def test_an_unknown_shell_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_reconcile("completion", "fish", cwd=tmp_path)
    assert proc.returncode == 1
    assert "invalid choice: 'fish'" in proc.stderr
