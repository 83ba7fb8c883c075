"""The architecture's rules, checked on the source: who may import what.

- Only reconciler/github imports PyGithub; only reconciler/aws (and the
  sandbox, which seeds moto) imports boto3/botocore.
- The diff, the renderers and the approvals verdict are pure: no I/O libraries at all.
- Plan and apply never import the sandbox.
- The GitHub emulator imports nothing of reconcile but itself, and the sandbox
  never imports the GitHub client: the emulator is a second opinion.
- The packages are layered as the data flows: values (model) <- the pure
  diff, the renderers and the approvals verdict <- the edges (config, github, aws, export) <- one
  run (run, and the sandbox that tests and the demo drive) <- the commands
  (cli). A module imports only from its own layer or the ones before it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reconciler"
IO_MODULES = {"github", "boto3", "botocore", "requests", "urllib3", "socket", "moto", "werkzeug"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_third_party_io_stays_at_the_edges(path: Path) -> None:
    rel = _rel(path)
    roots = {name.split(".")[0] for name in _imports(path)}
    if "github" in roots:
        assert rel.startswith("reconciler/github/"), f"{rel} imports PyGithub"
    if roots & {"boto3", "botocore"}:
        assert rel.startswith(("reconciler/aws/", "reconciler/sandbox/")), f"{rel} imports boto3"


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in _modules()
        if _rel(p).startswith(("reconciler/diff/", "reconciler/render/", "reconciler/approvals/"))
    ],
    ids=_rel,
)
def test_diff_and_render_are_pure(path: Path) -> None:
    roots = {name.split(".")[0] for name in _imports(path)}
    assert not roots & IO_MODULES, f"{_rel(path)} imports {roots & IO_MODULES}"
    assert not {n for n in _imports(path) if n.startswith(("reconciler.github", "reconciler.aws"))}


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in _modules()
        if not _rel(p).startswith("reconciler/sandbox/")
        # The demo runs against the sandbox; `reconcile sandbox` starts it (lazily).
        and _rel(p) not in {"reconciler/cli/demo.py", "reconciler/cli/sandbox.py"}
    ],
    ids=_rel,
)
def test_plan_and_apply_never_import_the_sandbox(path: Path) -> None:
    assert not {n for n in _imports(path) if n.startswith("reconciler.sandbox")}, _rel(path)


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 420, f"{_rel(path)} has {lines} lines: it is two things"


# The stage of each package; errors and logs are shared by every stage.
LAYERS = {
    "errors": 0,
    "logs": 0,
    "model": 1,
    "diff": 2,
    "render": 2,
    "approvals": 2,
    "config": 3,
    "github": 3,
    "aws": 3,
    "export": 3,
    "run": 4,
    "sandbox": 4,
    "cli": 5,
    "__main__": 6,
}


def _layer(module: str) -> int:
    """The layer of `reconciler.X...`; the package's own __init__ is the base."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in {"__init__", "__version__"}:
        return 0
    if parts[1] not in LAYERS:
        raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS")
    return LAYERS[parts[1]]


def _internal_imports(path: Path) -> set[str]:
    """Every reconciler module `path` imports, with `from X import name` as X.name too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("reconciler"):
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("reconciler"))
    return names


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_modules_import_only_from_earlier_layers(path: Path) -> None:
    rel = _rel(path)
    me = _layer(rel.removesuffix(".py").replace("/", "."))
    later = sorted(m for m in _internal_imports(path) if _layer(m) > me)
    assert not later, f"{rel} (layer {me}) imports from a later stage: {later}"


def test_the_top_level_holds_only_packages_and_shared_modules() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "errors.py", "logs.py"], loose


def test_the_layer_rule_catches_a_backward_import(tmp_path: Path) -> None:
    module = tmp_path / "reconciler" / "diff" / "bad.py"
    module.parent.mkdir(parents=True)
    module.write_text("from reconciler.run.planning import make_plan\n", encoding="utf-8")
    me = _layer("reconciler.diff.bad")
    assert sorted(m for m in _internal_imports(module) if _layer(m) > me) == [
        "reconciler.run.planning",
        "reconciler.run.planning.make_plan",
    ]


_HEAVY = ("github", "boto3", "botocore", "requests", "moto", "reconciler.sandbox")
_CHECK_IMPORTS = """
import atexit, sys
sys.argv = ["reconcile", *sys.argv[1:]]
atexit.register(lambda: print("LOADED", *sorted(m for m in {heavy} if m in sys.modules)))
from reconciler.cli import run
run()
"""


@pytest.mark.parametrize(
    "argv",
    [["--version"], ["validate", "-c", "tests/data/good/alphaswarm.yaml"]],
    ids=["version", "validate"],
)
def test_version_and_validate_import_no_client(argv: list[str]) -> None:
    """Issue 14: start-up stays quick; PyGithub, boto3 and the sandbox load only for
    commands that talk to GitHub or AWS (benchmarks/startup.py measures the time)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    code = _CHECK_IMPORTS.format(heavy=repr(set(_HEAVY)))
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip().splitlines()[-1]
    assert loaded == "LOADED", loaded


def test_cli_modules_import_no_cycle() -> None:
    """Each command is its own module; the ones they share (session, plan_file,
    exits...) never import a command back, lazily or not."""
    cli = PACKAGE / "cli"
    graph = {
        p.stem: {
            m.split(".")[2]
            for m in _internal_imports(p)
            if m.startswith("reconciler.cli.") and (cli / f"{m.split('.')[2]}.py").exists()
        }
        - {p.stem}
        for p in cli.glob("*.py")
    }
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        assert node not in visiting, f"import cycle: {' -> '.join([*visiting, node])}"
        if node in done:
            return
        visiting.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        visiting.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


# The emulator is a second opinion on GitHub: it shares no logic with the client
# (docs/architecture.md, "Where the emulator lives"). The rest of the sandbox
# seeds it and moto from a config, and may use the model and the AWS helpers.
_EMULATOR = "reconciler/sandbox/github/"


@pytest.mark.parametrize("path", [p for p in _modules() if _rel(p).startswith(_EMULATOR)], ids=_rel)
def test_the_emulator_imports_nothing_of_reconcile_but_itself(path: Path) -> None:
    foreign = sorted(
        n
        for n in _internal_imports(path)
        if n != "reconciler" and not n.startswith("reconciler.sandbox.github")
    )
    assert not foreign, f"{_rel(path)} imports {foreign}"


@pytest.mark.parametrize(
    "path", [p for p in _modules() if _rel(p).startswith("reconciler/sandbox/")], ids=_rel
)
def test_the_sandbox_never_imports_the_github_client(path: Path) -> None:
    assert not {n for n in _internal_imports(path) if n.startswith("reconciler.github")}


_SANDBOX_COMMANDS = {"reconciler.cli.demo", "reconciler.cli.sandbox"}


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_only_the_dispatcher_reaches_the_sandbox_commands(path: Path) -> None:
    """`reconcile sandbox` and `reconcile demo` are loaded by name
    (importlib, reconciler/cli/__init__.py); no module imports them, so no
    other command can pull the sandbox in through them."""
    assert not _internal_imports(path) & _SANDBOX_COMMANDS, _rel(path)


_PRODUCTION_COMMANDS = sorted(
    f"reconciler.cli.{p.stem}"
    for p in (PACKAGE / "cli").glob("*.py")
    if p.stem not in {"__init__", "demo", "sandbox"}
)
_LOADS = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print("LOADED", *sorted(m for m in sys.modules if m.startswith("reconciler.sandbox")))
"""


def test_production_commands_load_no_sandbox_module() -> None:
    """plan, apply, export, approvals, publish and every other command module,
    with all they import, leave the sandbox unloaded."""
    import subprocess
    import sys

    assert {"reconciler.cli.plan", "reconciler.cli.apply", "reconciler.cli.publish"} <= set(
        _PRODUCTION_COMMANDS
    )
    done = subprocess.run(
        [sys.executable, "-c", _LOADS, *_PRODUCTION_COMMANDS],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "LOADED"
