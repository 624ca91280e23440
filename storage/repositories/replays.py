"""The replay log: one row per request acted on, deleted once a replay of it would be refused anyway."""

from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models.replays import ReplayKeyRow

REPLAY_TABLE = cast(Table, ReplayKeyRow.__table__)


class SqlReplayLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def remember(self, key: str, *, now: datetime, until: datetime) -> bool:
        connection = self.session.connection()
        connection.execute(delete(REPLAY_TABLE).where(REPLAY_TABLE.c.expires_at < now))
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        # Two deliveries at once: the second waits for the first's row, then inserts nothing.
        inserted = connection.execute(
            insert(REPLAY_TABLE)
            .values(key=key, expires_at=until)
            .on_conflict_do_nothing()
            .returning(REPLAY_TABLE.c.key)
        )
        return inserted.first() is not None
