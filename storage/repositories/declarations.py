import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from storage.models import DeclarationRow


class SqlDeclarationLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, key: str) -> list[str] | None:
        if self.session.get_bind().dialect.name == "postgresql":
            # Two deliveries of the same submission wait for each other instead of both declaring.
            self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})
        found = self.session.connection().scalar(
            select(DeclarationRow.references).where(DeclarationRow.key == key)
        )
        return found.split(",") if found else None

    def record(self, key: str, references: Sequence[str]) -> None:
        self.session.connection().execute(
            insert(cast(Table, DeclarationRow.__table__)).values(
                key=key, references=",".join(references), created_at=datetime.now(UTC)
            )
        )
