"""What a declaration sends to the database (issue 11: declaring is hot, its Python is the ceiling): no
lookup it can skip, and the rows it writes in one statement read back as written."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, event, select, text

from domain.catalogue import ResourceKind, data_item
from domain.services.declaration import CheckedItem, new_anomaly
from storage import Store
from storage.models import HistoryRow
from storage.rows import insert_rows
from tests.builders import a_member, narbonne
from tests.integration.test_storage import _declare, _seed

HISTORY = cast(Table, HistoryRow.__table__)


@contextmanager
def _statements(store: Store) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def _names_agree(store: Store) -> bool:
    """Every anomaly's name_id points at the anomaly_names row of its folded structure name."""
    with store.engine.connect() as connection:
        wrong = connection.execute(
            text(
                "SELECT count(*) FROM anomalies a LEFT JOIN anomaly_names n ON n.id = a.name_id "
                "WHERE n.folded IS NULL OR n.folded <> a.structure_name_folded"
            )
        ).scalar_one()
    return wrong == 0


def test_a_second_declaration_on_the_same_structure_does_not_look_its_name_up_again(store: Store) -> None:
    _seed(store)
    with _statements(store) as first:
        _declare(store)
    with _statements(store) as second:
        _declare(store, items=("Tarifs",))
    assert any("anomaly_names" in s for s in first)
    assert not any("anomaly_names" in s for s in second)
    assert _names_agree(store)


def test_a_name_added_by_a_transaction_rolled_back_is_not_remembered(store: Store) -> None:
    _seed(store)
    item = data_item(ResourceKind.STRUCTURE, "Tarifs")
    with store.uow() as uow:
        anomaly = new_anomaly(
            reference=uow.anomalies.allocate_references(1)[0],
            resource=narbonne(),
            structure=None,
            checked=CheckedItem(item, "Tarifs faux"),
            member=a_member({"76"}),
            system="x",
            now=datetime(2026, 1, 15, tzinfo=UTC),
        )
        uow.anomalies.add_all([anomaly])  # adds the structure's name, then rolled back: no commit
    _declare(store)
    _declare(store, items=("Tarifs",))
    assert _names_agree(store)


def test_rows_written_in_one_statement_read_back_as_written(store: Store) -> None:
    _seed(store)
    number = _declare(store)[0].reference_number
    at = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
    rows = [
        {
            "anomaly_number": number,
            "at": at,
            "previous": None if i == 0 else "01",
            "status": "02",
            "actor": f"acteur {i} « guillemets » ' %s :colon",
            "role": "D",
            "system": "x",
            "comment": "" if i == 0 else f"ligne 1\nligne {i}",
        }
        for i in range(3)
    ]
    with store.uow() as uow:
        insert_rows(uow.session.connection(), HISTORY, rows)
        uow.commit()
    with store.engine.connect() as connection:
        stored = connection.execute(
            select(*(HISTORY.c[name] for name in rows[0]))
            .where(HISTORY.c.anomaly_number == number, HISTORY.c.system == "x")
            .order_by(HISTORY.c.id)
        ).all()
    assert [row._asdict() for row in stored] == rows
