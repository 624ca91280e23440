"""Bulk imports in SQL (ports.AnomalyImport): each batch of lines is a handful of set-wise statements —
one lookup of its resources, one of its keys, one block of references, then executemany inserts of the
anomalies, their history, their keys and their notifications — instead of a round trip per anomaly.

The derived tables stay exact in the same transaction: new folded names are added to anomaly_names in one
statement per batch, and the counter deltas go through the same before-commit hook as single declarations
(storage.repositories.anomalies)."""

import json
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from itertools import islice
from typing import Any, Self, cast
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, Integer, String, Table, any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeEngine

from domain.anomaly import Anomaly
from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.events import AnomaliesImported
from domain.ror_journal import JournalOperation, JournalState
from storage.models import AnomalyNameRow, ImportKeyRow, OutboxRow, ResourceRow, RorJournalRow
from storage.repositories.anomalies import (
    ANOMALY_TABLE,
    HISTORY_TABLE,
    SqlAnomalies,
    _deltas,
    count_key,
    folded_name,
    to_row,
)
from storage.repositories.directory import SqlDirectory, _to_entity
from storage.repositories.outbox import SqlOutbox, to_payload
from storage.types import UtcDateTime

KEYS_TABLE = cast(Table, ImportKeyRow.__table__)
OUTBOX_TABLE = cast(Table, OutboxRow.__table__)
JOURNAL_TABLE = cast(Table, RorJournalRow.__table__)
SUBMIT, PENDING = JournalOperation.SUBMIT.value, JournalState.PENDING.value
RESOURCES_TABLE = cast(Table, ResourceRow.__table__)
NAMES_TABLE = cast(Table, AnomalyNameRow.__table__)
IMPORT_LOCK = 724_009
IMPORT_CACHE_KB = 131_072
HISTORY_COLUMNS = ("anomaly_number", "at", "previous", "status", "actor", "role", "system", "comment")
# Bound values per IN list: well inside SQLite's limit (32,766) and PostgreSQL's (65,535).
CHUNK = 5_000


def _pg_type(column_type: TypeEngine[Any]) -> str:
    if isinstance(column_type, UtcDateTime):
        return "timestamptz"
    if isinstance(column_type, BigInteger):
        return "int8"
    if isinstance(column_type, Integer):
        return "int4"
    # String, Text, and JSON given as its text: varchar and json read text's binary form.
    return "text"


@lru_cache(maxsize=65_536)  # the same structures' names, batch after batch
def _folded(name: str) -> str:
    return folded_name(name)


def _chunks(values: Collection[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


class SqlAnomalyImport:
    def __init__(self, sessions: sessionmaker[Session], *, tz: ZoneInfo) -> None:
        self._sessions = sessions
        self.tz = tz

    def __enter__(self) -> Self:
        self.session = self._sessions()
        self.connection = self.session.connection()
        self.dialect = self.connection.dialect.name
        if self.dialect == "sqlite":
            # The anomalies' indexes of a large base do not fit the usual page cache, and an import writes
            # all over them: a larger cache for this connection saves most of the reads.
            self.connection.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KB}")
        if self.dialect == "postgresql":
            # Import batches take turns (single declarations do not wait): a batch's key lookup and key
            # inserts then never race another import of the same lines. COPY needs no ON CONFLICT either.
            self.connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": IMPORT_LOCK})
            # pg_trgm's GIN index also answers `=`: for `folded = ANY(<10,000 names>)` the planner picks it
            # and probes trigrams name by name (minutes per batch). GIN only does bitmap scans, so without
            # them this transaction's lookups take the unique B-tree.
            self.connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        return self

    def __exit__(self, *args: object) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def resources(
        self, wanted: Collection[tuple[ResourceKind, str]]
    ) -> dict[tuple[ResourceKind, str], Resource]:
        found: dict[tuple[ResourceKind, str], Resource] = {}
        for kind in {k for k, _ in wanted}:
            ids = [resource_id for k, resource_id in wanted if k is kind]
            for chunk in _chunks(ids):
                rows = self.connection.execute(
                    select(RESOURCES_TABLE).where(
                        RESOURCES_TABLE.c.kind == kind.value,
                        self._among(RESOURCES_TABLE.c.resource_id, chunk),
                    )
                )
                for row in rows:
                    found[(kind, row.resource_id)] = _to_entity(row)
        return found

    def directory_is_empty(self) -> bool:
        return SqlDirectory(self.session).is_empty()

    def known_keys(self, keys: Collection[str]) -> set[str]:
        known: set[str] = set()
        for chunk in _chunks(keys):
            known.update(
                self.connection.scalars(select(KEYS_TABLE.c.key).where(self._among(KEYS_TABLE.c.key, chunk)))
            )
        return known

    def allocate_references(self, count: int) -> list[str]:
        return SqlAnomalies(self.session, self.tz).allocate_references(count)

    def _claim(self, anomalies: Sequence[tuple[str, Anomaly]], now: datetime) -> set[str]:
        """Store the keys. No other import runs a batch meanwhile (the lock taken in __enter__ on
        PostgreSQL, SQLite's single writer), so the keys known_keys did not find are free."""
        created = (self._bound(KEYS_TABLE, "created_at") or (lambda v: v))(now)
        # References come from allocate_references: ANO_ + 12 digits.
        self._insert(
            KEYS_TABLE,
            ("key", "anomaly_number", "created_at"),
            [(key, int(a.reference[4:]), created) for key, a in anomalies],
        )
        return {key for key, _ in anomalies}

    def _name_ids(self, folded: set[str]) -> dict[str, int]:
        """The anomaly_names ids of these folded names, the missing ones added (concurrent adders agree)."""
        ids: dict[str, int] = {}

        def look_up(names: Collection[str]) -> None:
            for chunk in _chunks(names):
                query = select(NAMES_TABLE.c.folded, NAMES_TABLE.c.id).where(
                    self._among(NAMES_TABLE.c.folded, chunk)
                )
                ids.update({name: int(i) for name, i in self.connection.execute(query).all()})

        look_up(folded)
        missing = sorted(folded - ids.keys())  # sorted: concurrent adders lock names in the same order
        if missing:
            if self.dialect == "postgresql":
                self.connection.execute(
                    text(
                        "INSERT INTO anomaly_names (folded) SELECT unnest(CAST(:names AS varchar[])) "
                        "ON CONFLICT DO NOTHING"
                    ),
                    {"names": missing},
                )
            else:
                self.connection.execute(
                    sqlite_insert(NAMES_TABLE).on_conflict_do_nothing(),
                    [{"folded": name} for name in missing],
                )
            look_up(missing)
        return ids

    def _among(self, column: ColumnElement[str], values: list[str]) -> ColumnElement[bool]:
        """`column IN values`: on PostgreSQL one array parameter (`= ANY`), not thousands of parameters."""
        if self.dialect == "postgresql":
            return column == any_(bindparam(None, values, type_=ARRAY(String())))
        return column.in_(values)

    def _insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """executemany straight to the driver: the values are already what the driver takes (see
        `_bound`), and SQLAlchemy's per-value processing is most of the cost of a million rows."""
        if not rows:
            return
        if self.dialect == "postgresql":
            # COPY: several times faster than any INSERT, in the same transaction.
            driver: Any = self.connection.connection.driver_connection
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                # Binary: the server reads numbers and timestamps without parsing text.
                copy.set_types([_pg_type(table.c[c].type) for c in columns])
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["?"] * len(columns))
        self.connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows
        )

    def _bound(self, table: Table, column: str) -> Callable[[Any], Any] | None:
        """How SQLAlchemy would hand a value of this column to the driver (UTC datetimes on SQLite)."""
        dialect = self.connection.dialect
        processor = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        # A batch's datetimes are all the same instant: converted once.
        return lru_cache(maxsize=4)(processor) if processor is not None else None

    def add(self, anomalies: Sequence[tuple[str, Anomaly]], *, send_to_ror: bool = False) -> set[str]:
        if not anomalies:
            return set()
        now = datetime.now(UTC)
        stored = self._claim(anomalies, now)
        kept = [a for key, a in anomalies if key in stored]
        if not kept:
            return stored
        folded = [_folded(a.structure_name) for a in kept]
        name_ids = self._name_ids(set(folded))
        rows = [to_row(a, name_ids[name]) for a, name in zip(kept, folded, strict=True)]
        columns = list(rows[0])
        converters = {c: f for c in columns if (f := self._bound(ANOMALY_TABLE, c)) is not None}
        values = []
        for row in rows:
            for column, convert in converters.items():  # datetimes: one instant per batch, converted once
                row[column] = convert(row[column])
            values.append(tuple(row.values()))
        self._insert(ANOMALY_TABLE, columns, values)
        at = self._bound(HISTORY_TABLE, "at") or (lambda v: v)
        self._insert(
            HISTORY_TABLE,
            HISTORY_COLUMNS,
            [
                (
                    row["number"],
                    at(entry.at),
                    entry.previous.value if entry.previous else None,
                    entry.status.value,
                    entry.actor,
                    entry.role.value,
                    entry.system,
                    entry.comment,
                )
                for anomaly, row in zip(kept, rows, strict=True)
                for entry in anomaly.new_history
            ],
        )
        deltas = _deltas(self.session)
        for anomaly in kept:
            anomaly.stored_history = len(anomaly.history)
            deltas[count_key(anomaly, anomaly.status)] += 1
        created = (self._bound(OUTBOX_TABLE, "created_at") or (lambda v: v))(now)
        self._insert(
            OUTBOX_TABLE,
            ("kind", "payload", "created_at", "attempts"),
            [
                (type(event).__name__, json.dumps(to_payload(event)), created, 0)
                for anomaly in kept
                for event in anomaly.pull_events()
            ],
        )
        if send_to_ror:
            # The POSTs, as a connected declaration journals them (storage.repositories.ror_journal).
            self._insert(
                JOURNAL_TABLE,
                (
                    "anomaly_number",
                    "operation",
                    "payload",
                    "state",
                    "created_at",
                    "next_attempt_at",
                    "attempts",
                ),
                [
                    (row["number"], SUBMIT, "{}", PENDING, row["created_at"], row["created_at"], 0)
                    for row in rows
                ],
            )
        return stored

    def tell_declarant(self, event: AnomaliesImported) -> None:
        SqlOutbox(self.session).add([event])
