import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, text
from sqlalchemy.orm import Session

from storage.models import DeclarationRow

# Built once: declaring is hot, and a statement built per call costs more CPU than its round trip.
_TABLE = cast(Table, DeclarationRow.__table__)
_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
_FIND = select(_TABLE.c.references).where(_TABLE.c.key == bindparam("key"))
_RECORD = insert(_TABLE)


class SqlDeclarationLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, key: str) -> list[str] | None:
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # Two deliveries of the same submission wait for each other instead of both declaring.
            connection.execute(_LOCK, {"k": zlib.crc32(key.encode())})
        found = connection.scalar(_FIND, {"key": key})
        return found.split(",") if found else None

    def record(self, key: str, references: Sequence[str]) -> None:
        self.session.connection().execute(
            _RECORD, {"key": key, "references": ",".join(references), "created_at": datetime.now(UTC)}
        )
