"""Run every benchmark (``make bench``); each prints its figures as ratios to a goal."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

BENCHMARKS = [
    "bench_schedules",
    "bench_explorer",
    "bench_jscurves",
    "bench_finder",
    "bench_lessons",
]

if __name__ == "__main__":
    for module in BENCHMARKS:
        print(f"== {module}")
        importlib.import_module(module).main()
        print()
