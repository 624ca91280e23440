"""A database that already holds anomalies upgrades to the latest schema, on SQLite and PostgreSQL.

Why: a migration that rebuilds `anomalies` (SQLite's batch copy-and-drop) fails with « FOREIGN KEY
constraint failed » as soon as a history row points at an anomaly, which an empty test database never shows."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.types import Boolean, DateTime, Integer, Numeric

from storage import open_store
from storage.database import _head, alembic_config, current_revision, make_engine
from tests.conftest import throwaway_postgres_database

# The last revision released before connected mode: databases in service are at least there.
RELEASED = "0004"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with throwaway_postgres_database("ror_upgrade") as url:
        yield url


def _value_for(column: dict[str, Any]) -> Any:
    kind = column["type"]
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 15, 14, 8, 30, tzinfo=UTC)
    if isinstance(kind, Integer | Numeric):
        return 1
    length = getattr(kind, "length", None) or 20
    return "76"[:length] if column["name"] in ("region", "status") else "x"[:length]


def _insert_row(engine: Engine, table: str, fixed: dict[str, Any]) -> None:
    """One row with every required column of `table` as the old schema has it."""
    columns = inspect(engine).get_columns(table)
    values = dict(fixed)
    for column in columns:
        if column["name"] in values or column["nullable"] or column.get("autoincrement") is True:
            continue
        if column.get("default") is not None:
            continue
        values[column["name"]] = _value_for(column)
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    with engine.begin() as connection:
        connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


def test_a_database_holding_anomalies_and_their_history_upgrades_to_the_latest_schema(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            config = alembic_config(empty_url)
            config.attributes["connection"] = connection
            command.upgrade(config, RELEASED)
        number = 100000000001
        _insert_row(engine, "anomalies", {"number": number, "status": "04", "region": "76"})
        _insert_row(engine, "anomaly_history", {"anomaly_number": number, "status": "04"})
    finally:
        engine.dispose()

    store = open_store(empty_url)
    try:
        assert current_revision(store.engine) == _head()
        with store.engine.connect() as connection:
            kept = connection.execute(text("SELECT number, ror_task_id FROM anomalies")).all()
            history = connection.execute(text("SELECT count(*) FROM anomaly_history")).scalar_one()
        assert [tuple(row) for row in kept] == [(number, None)]
        assert history == 1
    finally:
        store.dispose()
