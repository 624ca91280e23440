"""The bulk import benchmark runs end to end on a small file (CI: no timing asserted)."""

from pathlib import Path

import pytest

from benchmarks import bulk_import


def test_the_bulk_import_benchmark_runs_and_checks_its_totals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = bulk_import.main(
        ["--rows", "400", "--structures", "60", "--repeat", "1", "--workdir", str(tmp_path)]
    )

    out = capsys.readouterr().out
    assert code == 0
    assert "run 1:" in out
    assert "lignes/s CPU" in out
    assert "réimport" in out
    assert list(tmp_path.iterdir()) == []  # its file and databases are removed
