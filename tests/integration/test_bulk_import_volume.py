"""A 100,000-line import on SQLite, as CI can afford it: every line stored once, totals exact, and a
second import of part of the file creating nothing. (Speed is measured by benchmarks/bulk_import.py.)"""

import csv
from pathlib import Path

from sqlalchemy import text

from bot.import_files import read_lines, text_stream
from domain.catalogue import CATALOGUE, ResourceKind
from domain.filters import AnomalyFilter
from domain.services import list_anomalies
from domain.services.bulk_import import import_anomalies
from storage import open_store
from storage.maintenance import counts_are_exact
from tests.builders import a_member, narbonne
from tests.e2e.cli_runner import seed
from tests.fakes import FixedClock

LINES = 100_000


def test_a_hundred_thousand_lines_are_imported_once_with_exact_totals(
    sqlite_url: str, tmp_path: Path
) -> None:
    store = open_store(sqlite_url)
    seed(store, narbonne(), *(_structure(i) for i in range(500)))
    labels = [item.label for item in CATALOGUE[ResourceKind.STRUCTURE]]
    path = tmp_path / "qualite.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["ressource", "donnee", "description", "regle"])
        for n in range(LINES):
            writer.writerow([f"3{n % 500:014d}", labels[n % len(labels)], f"Contrôle {n}", f"R{n % 7}"])
    member = a_member(None)

    def run(lines: int | None = None) -> tuple[int, int, int]:
        with text_stream(path.open("rb")) as stream:
            read = read_lines(stream, None)
            if lines is not None:
                read = (line for line in read if line.line <= lines)
            result = import_anomalies(
                lines=read, member=member, store=store.importer, clock=FixedClock(), system="Qualité"
            )
        return result.created, result.already_present, result.refused

    try:
        assert run() == (LINES, 0, 0)
        assert run(lines=2_000) == (0, 1_999, 0)
        assert list_anomalies(flt=AnomalyFilter(), member=member, uow=store.reader()).total == LINES
        with store.engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM anomaly_history")) == 2 * LINES
            assert counts_are_exact(connection)
    finally:
        store.dispose()


def _structure(i: int):
    resource = narbonne()
    resource.resource_id = resource.structure_id = f"3{i:014d}"
    resource.name = resource.structure_name = f"CENTRE {i}"
    resource.region, resource.departement = ("76", "11") if i % 2 else ("84", "69")
    return resource
