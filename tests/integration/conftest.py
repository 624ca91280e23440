"""Every integration test runs on SQLite and on PostgreSQL."""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from storage import Store, open_store
from storage.models import FIRST_REFERENCE_NUMBER, REFERENCE_SEQUENCE, Base

if TYPE_CHECKING:
    from devtools.ror_standin import RorStandIn
    from rornational.client import FhirRorNational

TABLES = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "alembic_version")


def _reset_postgres(store: Store) -> None:
    with store.engine.begin() as connection:
        tables = [
            name
            for (name,) in connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        ]
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        connection.execute(
            text("INSERT INTO reference_counter (id, next_value) VALUES (1, :n)"),
            {"n": FIRST_REFERENCE_NUMBER},
        )
        connection.execute(text(f"ALTER SEQUENCE {REFERENCE_SEQUENCE} RESTART WITH {FIRST_REFERENCE_NUMBER}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'ror.db'}"
        opened = open_store(url)
    else:
        url = request.getfixturevalue("postgres_database")
        opened = open_store(url)
        _reset_postgres(opened)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def postgres_store(postgres_database: str) -> Iterator[Store]:
    opened = open_store(postgres_database)
    _reset_postgres(opened)
    try:
        yield opened
    finally:
        opened.dispose()


# -- connected mode: an in-process stand-in ROR national and a client pointed at it ------------------


@pytest.fixture
def standin() -> Iterator["RorStandIn"]:
    from devtools.ror_standin import RorStandIn

    with RorStandIn() as running:
        yield running


@pytest.fixture
def ror(standin: "RorStandIn") -> Iterator["FhirRorNational"]:
    from rornational.client import connect
    from tests.standin_helpers import connection_to

    with connect(connection_to(standin)) as client:
        yield client
