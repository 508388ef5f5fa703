"""Every benchmark starts as the README runs it: `.venv/bin/python bench/NAME.py`.

Three of them imported the tests' helpers without putting the project on the path, and
failed with ModuleNotFoundError unless PYTHONPATH happened to be set; their figures in
the README could not be made again. `--help` imports everything a run imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(
    p for p in BENCH.glob("*.py") if not p.name.startswith("_") and "argparse" in p.read_text()
)


def test_the_benchmarks_are_found() -> None:
    assert {"counter_load.py", "wait_estimate.py", "search_quality.py"} <= {p.name for p in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_a_benchmark_starts_from_any_directory(script: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:"), done.stdout
