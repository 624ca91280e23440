"""`python -m benchmarks.sync` on a few pages, so it cannot rot: the stand-in in its own process serves the
Tasks, every one is stored once, and the figures are printed. No timing is asserted: figures come from a
run at scale (docs/ror-sync.md)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts the stand-in in a process of its own

ROOT = Path(__file__).resolve().parents[2]


def test_the_sync_benchmark_stores_every_task_of_its_pages_once_and_prints_its_figures(
    tmp_path: Path,
) -> None:
    out = tmp_path / "sync.json"

    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.sync", "--tasks", "450", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    (run,) = json.loads(out.read_text(encoding="utf-8"))
    assert (run["tasks"], run["stored"], run["in_table"], run["pages"], run["unreadable"]) == (
        450,
        450,
        450,
        3,
        0,
    )
    assert "450 Tasks stockées (450 en base)" in done.stdout
    assert "Tasks/s" in done.stdout
    assert "pente" in done.stdout
