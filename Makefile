# Each target creates .venv when missing and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv installs the same packages pip would from pyproject.toml in about a sixth
# of the time (12 s against 68 s on a fresh 2-core machine), which keeps
# `make test` on a fresh clone within its budget. It is a single wheel from PyPI.
# --compile-bytecode: as pip does, so that the test workers and the CLI
# processes they start do not each compile the same modules again (this
# machine sets PYTHONDONTWRITEBYTECODE; docs/testing.md).
UV_VERSION := 0.13.9

.PHONY: demo test lint typecheck unit bench clean lock

# The venv is made without pip and the machine's pip puts uv in it (`pip
# --python`, pip 22.3 and newer): making a venv with pip costs 4 s, this 2.5 s.
# uv then adds pip (0.3 s), so `.venv/bin/pip` is there for whoever wants it.
$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(PYTHON) -m pip --python $(BIN)/python install --quiet 'uv==$(UV_VERSION)'

$(STAMP): pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python pip
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/reconcile demo

# The workflows too, offline: zizmor at its default persona, actionlint with
# shellcheck for the shell that remains (docs/ci.md, "Workflow lint").
lint: $(STAMP)
	$(BIN)/ruff check reconciler tests benchmarks
	$(BIN)/ruff format --check reconciler tests benchmarks
	$(BIN)/vulture
	$(BIN)/zizmor --offline --no-progress .github/workflows
	$(BIN)/actionlint -shellcheck=$(BIN)/shellcheck -pyflakes= .github/workflows/*.yml

typecheck: $(STAMP)
	$(BIN)/mypy reconciler

# Every test, slow ones included; worksteal keeps the workers busy to the end.
# Three workers on two cores: the tests wait on sockets and child processes
# part of the time (pytest 187 s with -n 3 against 216 s with -n 2; later
# 140 s with -n 3 against 154 s with -n 4; docs/testing.md, "What keeps the
# suite fast").
# Python may cache the bytecode of the repository's own modules (in
# __pycache__/, ignored by git), whatever PYTHONDONTWRITEBYTECODE says: without
# it every worker and every CLI process the tests start compiles them again.
# The installed packages were compiled by the install (--compile-bytecode).
unit: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n 3 --dist worksteal -q

# Lint and typecheck side by side (each on one core; their output kept apart),
# then the tests, which use both cores.
test: $(STAMP)
	$(MAKE) --no-print-directory -j2 --output-sync=target lint typecheck
	$(MAKE) --no-print-directory unit

# About 5 minutes: the scale benchmark at N = 1, 10, 100 (N = 1000 takes another
# 5: `$(BIN)/python benchmarks/plan_scale.py --sizes 1000`), the everyday cases
# under the real pacer, the pacing share and `reconcile approvals`' request budget
# (docs/performance.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/plan_scale.py --json benchmarks/results/plan_scale.json
	$(BIN)/python benchmarks/everyday.py --json benchmarks/results/everyday.json
	$(BIN)/python benchmarks/pacing.py
	$(BIN)/python benchmarks/approvals.py --json benchmarks/results/approvals.json

# requirements.lock.txt: every runtime and build dependency pinned by hash, for
# the workflows that hold credentials (docs/ci.md, "Pinned dependencies"); for
# Linux x86_64 and CPython 3.11, what GitHub's ubuntu runners run. Versions
# already pinned are kept; `make lock UPGRADE=1` moves to the newest allowed.
# tests/workflows/test_lock.py fails when pyproject.toml and the lock disagree.
LOCK := requirements.lock.txt

lock: $(STAMP)
	$(BIN)/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' \
	  | $(BIN)/uv pip compile pyproject.toml - --quiet --generate-hashes \
	    --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	    --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade) --output-file $(LOCK)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
