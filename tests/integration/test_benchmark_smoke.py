"""The benchmark suite (issue 5) on a tiny dataset, so it cannot rot: it generates, runs every section
and reports every row. No timing is asserted: figures come from `python -m benchmarks.run` at scale 1."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import throwaway_postgres_database

pytestmark = pytest.mark.slow  # generates a dataset and runs every benchmark in a subprocess

ROOT = Path(__file__).resolve().parents[2]
SCALE = "0.0005"  # 500 anomalies, 50 structures, 250 offers


def _run(url: str, out: Path) -> dict:
    command = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--database-url",
        url,
        "--generate",
        "--scale",
        SCALE,
        "--repeat",
        "3",
        "--declarations",
        "16",
        "--declare-seconds",
        "0",
        "--declare-repeat",
        "1",
        "--subscriptions",
        "20",
        "--http-requests",
        "2",
        "--http-rounds",
        "2",
        "--http-cold-starts",
        "1",
        "--http-declare-runs",
        "1",
        "--http-declare-seconds",
        "3",
        "--json",
        str(out),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| listing" in done.stdout
    return json.loads(out.read_text())


def _check(report: dict) -> None:
    listing = report["listing"]["rows"]
    assert len(listing) >= 8
    assert all(row["same_result"] for row in listing), [r["combo"] for r in listing if not r["same_result"]]
    assert all(row["ours"]["runs"] == 3 and row["hand"]["runs"] == 3 for row in listing)
    declared = report["declare"]["rows"]
    assert [row["writers"] for row in declared] == [1, 8]
    assert all(row["duplicates"] == 0 and row["errors"] == 0 and row["anomalies"] > 0 for row in declared)
    assert report["digests"].get("subscriptions") == 20 or "skipped" in report["digests"]
    http = report["http"]
    assert [set(pair) >= {"app", "bare"} for pair in http["rounds"]] == [True, True]
    summary = http["summary"]
    assert summary["errors"] == 0
    # Every answer arrived, once, with the right text; every declaration got its DM.
    assert summary["answers_missing"] == summary["answers_duplicated"] == summary["answers_wrong"] == 0
    assert all(pair["app"]["answers"] == pair["app"]["requests"] == 40 for pair in http["rounds"])
    assert http["declaring"][0]["declarations"] > 0
    assert summary["declare_failures"] == summary["declare_dms_missing"] == 0
    assert http["declared_removed"] >= http["declaring"][0]["declarations"]
    assert summary["memory_processes"] >= 3  # the serving process and its 2 workers (+ resource tracker)
    assert set(report["memory"]) == {
        "during listing",
        "ror-bot run process tree (serving + workers), peak, median of the rounds",
    }
    assert report["generation"]["anomalies"] == 500


def test_the_benchmark_runs_end_to_end_on_sqlite(tmp_path: Path) -> None:
    _check(_run(f"sqlite:///{tmp_path / 'bench.db'}", tmp_path / "sqlite.json"))


@pytest.fixture
def empty_postgres_database() -> Iterator[str]:
    with throwaway_postgres_database("ror_bench_smoke") as url:
        yield url


def test_the_benchmark_runs_end_to_end_on_postgresql(empty_postgres_database: str, tmp_path: Path) -> None:
    _check(_run(empty_postgres_database, tmp_path / "postgresql.json"))
