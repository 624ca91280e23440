"""PostgreSQL connections are not pinged on every checkout (a round trip per unit of work), yet a
connection the server dropped while it sat idle in the pool is replaced without the user noticing."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from storage import Store, database


def _backend_pid(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_used_a_moment_ago_is_handed_out_again_without_a_ping(postgres_store: Store) -> None:
    first = _backend_pid(postgres_store)
    pings: list[object] = []
    original = postgres_store.engine.dialect.do_ping
    postgres_store.engine.dialect.do_ping = lambda connection: (
        pings.append(connection) or original(connection)
    )  # type: ignore[method-assign]
    assert _backend_pid(postgres_store) == first
    assert pings == []


def test_an_idle_connection_the_server_dropped_is_replaced_on_checkout(
    postgres_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = _backend_pid(postgres_store)
    outsider = create_engine(postgres_store.url, poolclass=NullPool)  # as an administrator would
    with outsider.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    outsider.dispose()
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)  # every connection counts as idle
    with postgres_store.reader() as uow:
        assert uow.directory.count() == 0
    assert _backend_pid(postgres_store) != dropped
