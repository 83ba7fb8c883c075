"""The perf tests share the benchmark's config generator (benchmarks/scale_config.py)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    # Appended, as tests/conftest.py does: never shadow an installed module.
    sys.path.append(str(BENCHMARKS))
