"""PostgreSQL, the scale-out target: concurrent writers in separate processes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from domain.filters import AnomalyFilter
from domain.services import list_anomalies
from storage import Store
from storage.maintenance import counts_are_exact
from tests.builders import a_member, narbonne

pytestmark = pytest.mark.slow  # eight writer processes

WRITER = """
import json, sys
from storage import open_store
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies
from tests.builders import a_member
from tests.fakes import FixedClock
store = open_store(sys.argv[1])
created = declare_anomalies(
    request=DeclarationRequest("1110000056", None, (DeclaredItem("Tarifs", "Tarif faux"),)),
    member=a_member({"76"}), uow=store.uow(), clock=FixedClock(), system="bench",
)
print(json.dumps([a.reference for a in created]))
"""


def test_eight_concurrent_declarations_on_postgresql_get_eight_distinct_references(
    postgres_store: Store,
) -> None:
    with postgres_store.uow() as uow:
        uow.directory.upsert(narbonne())
        uow.commit()
    root = Path(__file__).resolve().parents[2]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, postgres_store.url], cwd=root, stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    refs = []
    for writer in writers:
        out, _ = writer.communicate(timeout=60)
        assert writer.returncode == 0
        refs += json.loads(out)
    assert len(refs) == 8
    assert len(set(refs)) == 8


MANY_WRITER = """
import sys
from storage import open_store
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies
from tests.builders import a_member
from tests.fakes import FixedClock
store = open_store(sys.argv[1], upgrade_schema=False)
items = ("Tarifs", "Nom de la structure", "Adresse établissement")
for i in range(12):
    declare_anomalies(
        request=DeclarationRequest(
            "1110000056", None, tuple(DeclaredItem(label, f"Faux ({i})") for label in items[: 1 + i % 3])
        ),
        member=a_member({"76"}), uow=store.uow(), clock=FixedClock(), system="bench",
    )
"""


def test_eight_writer_processes_on_postgresql_keep_the_totals_exact(postgres_store: Store) -> None:
    with postgres_store.uow() as uow:
        uow.directory.upsert(narbonne())
        uow.commit()
    root = Path(__file__).resolve().parents[2]
    writers = [
        subprocess.Popen([sys.executable, "-c", MANY_WRITER, postgres_store.url], cwd=root) for _ in range(8)
    ]
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    everything = list_anomalies(flt=AnomalyFilter(), member=a_member(None), uow=postgres_store.reader())
    assert everything.total == 8 * (4 * 1 + 4 * 2 + 4 * 3)
    with postgres_store.engine.connect() as connection:
        assert counts_are_exact(connection)
