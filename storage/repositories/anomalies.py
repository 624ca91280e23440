"""Anomalies in SQL: the store answers the questions the domain asks (ports.AnomalyRepository).

Counting at scale: a total or a count by status whose filter only uses région, département, statut,
ressource and donnée is read from anomaly_counts (a few thousand rows) instead of counting up to a
million anomalies. Every write here records its effect on those counters in the session; they are
applied just before the commit, in key order, so concurrent writers on PostgreSQL lock counter rows in
the same order (no deadlock) and hold them only for the end of their transaction.
"""

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from domain.anomaly import Anomaly, HistoryEntry, RorState
from domain.catalogue import Action, ResourceKind, Thematique
from domain.directory import WrongRecipient
from domain.errors import AnomalyNotFound, InvalidReference
from domain.filters import AnomalyFilter
from domain.habilitation import Perimeter
from domain.identifiers import Reference
from domain.ports import Page
from domain.statuses import OPEN, Role, Status
from domain.text import fold
from storage.conditions import conditions, count_conditions
from storage.models import (
    REFERENCE_SEQUENCE,
    AnomalyCountRow,
    AnomalyNameRow,
    AnomalyRow,
    HistoryRow,
    ReferenceCounterRow,
    RorJournalRow,
)
from storage.rows import insert_rows, one_statement, row_params, values_statement

NEWEST_FIRST = (AnomalyRow.updated_at.desc(), AnomalyRow.number.desc())
ANOMALY_TABLE = cast(Table, AnomalyRow.__table__)
HISTORY_TABLE = cast(Table, HistoryRow.__table__)
EXPORT_BATCH = 1000
ROR_REFERENCE_MAX = 200  # anomalies.ror_reference
# Folding may lengthen a name (NFKD: "㎢" → "km2"): the folded form is cut to its column, which only makes
# "contains" miss text past the 500th folded character of such a name.
FOLDED_NAME_MAX = 500


def _reference(number: int) -> str:
    return str(Reference(number))


CountKey = tuple[str, str, str, str, str]
_NAME_IDS_KEY = "anomaly_name_ids"
# About one name per structure: past this many, the store's cache of name ids starts again (memory bound).
NAME_IDS_KEPT = 200_000
_DELTAS = "anomaly_count_deltas"
_COUNT_COLUMNS = ("region", "departement", "status", "kind", "data_item", "n")
_UPSERT_COUNT_HEAD = "INSERT INTO anomaly_counts (region, departement, status, kind, data_item, n)"
_UPSERT_COUNT_TAIL = "ON CONFLICT (region, departement, status, kind, data_item) DO UPDATE SET n = anomaly_counts.n + excluded.n"
_UPSERT_COUNT = text(
    f"{_UPSERT_COUNT_HEAD} VALUES (:region, :departement, :status, :kind, :data_item, :n) {_UPSERT_COUNT_TAIL}"
)


# Built once: declaring is hot, and building a statement costs more CPU than running a cached one.
_NEXT_NUMBERS = text(f"SELECT nextval('{REFERENCE_SEQUENCE}') FROM generate_series(1, :n)")
_COUNTER = cast(Table, ReferenceCounterRow.__table__)
_TAKE_NUMBERS = (
    update(_COUNTER)
    .where(_COUNTER.c.id == 1)
    .values(next_value=_COUNTER.c.next_value + bindparam("n"))
    .returning(_COUNTER.c.next_value)
)
_NAMES_TABLE = cast(Table, AnomalyNameRow.__table__)
_NAME_IDS = select(_NAMES_TABLE.c.folded, _NAMES_TABLE.c.id).where(
    _NAMES_TABLE.c.folded.in_(bindparam("names", expanding=True))
)
# From this many names, PostgreSQL may answer `folded IN (…)` from the pg_trgm GIN index, name by name
# trigram by trigram (half a second for a sync page's 200 names while the table has no statistics yet,
# a fresh base), instead of the unique B-tree. GIN only does bitmap scans: they are turned off for that
# lookup alone (as the bulk import does for its whole transaction).
MANY_NAMES = 16


def _look_up_names(connection: Connection, names: list[str]) -> dict[str, int]:
    """The ids of these folded names that anomaly_names holds, through its unique B-tree."""
    without_bitmaps = connection.dialect.name == "postgresql" and len(names) >= MANY_NAMES
    if without_bitmaps:
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    try:
        return {row.folded: row.id for row in connection.execute(_NAME_IDS, {"names": names})}
    finally:
        if without_bitmaps:
            connection.exec_driver_sql("RESET enable_bitmapscan")


# A sync filling a table (the first one, on a fresh base) outruns autovacuum — or meets a server where it
# is off — and the statements it prepared on the empty table keep their plans: sequential scans of a
# growing table for every page's lookups (140 ms a page at 30,000 rows). When the anomalies changed by
# more than autovacuum's usual margin since their last statistics, the page's transaction analyses the
# tables it fills, which also makes PostgreSQL plan the prepared statements again.
FRESH_STATISTICS_FROM = 50
_STATISTICS_STALE = text(
    "SELECT s.n_mod_since_analyze > 1000 + 0.2 * greatest(c.reltuples, 0) "
    "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relid = 'anomalies'::regclass"
)


def _keep_statistics_fresh(connection: Connection) -> None:
    if connection.scalar(_STATISTICS_STALE):
        connection.exec_driver_sql("ANALYZE anomalies, anomaly_history, anomaly_names")


def count_rows_by_status(connection: Connection, where: Sequence[ColumnElement[bool]]) -> dict[Status, int]:
    """How many anomaly rows match `where`, by status (when the counters cannot answer)."""
    rows = connection.execute(
        select(AnomalyRow.status, func.count()).where(*where).group_by(AnomalyRow.status)
    ).all()
    return {_STATUSES[status]: count for status, count in rows}


def count_key(anomaly: Anomaly, status: Status) -> CountKey:
    return (
        anomaly.region or "",
        anomaly.departement or "",
        status.value,
        anomaly.kind.value,
        anomaly.data_item,
    )


def _deltas(session: Session) -> "Counter[CountKey]":
    deltas: Counter[CountKey] = session.info.setdefault(_DELTAS, Counter())
    return deltas


@event.listens_for(Session, "before_commit")
def _apply_count_deltas(session: Session) -> None:
    deltas: Counter[CountKey] | None = session.info.pop(_DELTAS, None)
    changes = sorted((key, n) for key, n in (deltas or {}).items() if n)
    if not changes:
        return
    rows = [
        {"region": r, "departement": d, "status": st, "kind": k, "data_item": i, "n": n}
        for (r, d, st, k, i), n in changes
    ]
    connection = session.connection()
    if not one_statement(connection, len(rows), len(_COUNT_COLUMNS)):
        connection.execute(_UPSERT_COUNT, rows)
        return
    # A declaration's few keys in one statement, in key order all the same (rows are upserted in order).
    statement = values_statement(_UPSERT_COUNT_HEAD, _COUNT_COLUMNS, len(rows), _UPSERT_COUNT_TAIL)
    connection.execute(statement, row_params(rows, _COUNT_COLUMNS))


@event.listens_for(Session, "after_soft_rollback")
def _forget_count_deltas(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_DELTAS, None)
    session.info.pop(_NAME_IDS_KEY, None)  # names added by the transaction rolled back are gone with it


# Stored codes → enum members by dictionary: a page of 20 anomalies calls these a hundred times, and an
# enum's constructor costs several times a dictionary lookup.
_STATUSES = {member.value: member for member in Status}
_KINDS = {member.value: member for member in ResourceKind}
_THEMATIQUES = {member.value: member for member in Thematique}
_ACTIONS = {member.value: member for member in Action}
_ROLES = {member.value: member for member in Role}
_ROR_STATES = {member.value: member for member in RorState}


def to_entity(row: Any, history: list[HistoryRow] | None = None) -> Anomaly:
    """An anomaly from an AnomalyRow or from a Core row of the anomalies table (same attribute names)."""
    entries = [
        HistoryEntry(
            at=h.at,
            previous=_STATUSES[h.previous] if h.previous else None,
            status=_STATUSES[h.status],
            actor=h.actor,
            role=_ROLES[h.role],
            system=h.system,
            comment=h.comment,
        )
        for h in history or []
    ]
    return Anomaly(
        reference=f"{Reference.PREFIX}{row.number:0{Reference.DIGITS}d}",
        status=_STATUSES[row.status],
        kind=_KINDS[row.kind],
        resource_id=row.resource_id,
        structure_id=row.structure_id,
        structure_name=row.structure_name,
        offer_name=row.offer_name,
        region=row.region,
        departement=row.departement,
        data_item=row.data_item,
        present_value=row.present_value,
        description=row.description,
        thematique=_THEMATIQUES[row.thematique],
        action=_ACTIONS[row.action],
        fhir_path=row.fhir_path,
        declaring_system=row.declaring_system,
        declarant_id=row.declarant_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        declarant_email=row.declarant_email,
        group_name=row.group_name,
        recipient=row.recipient,
        rule=row.rule,
        proposed_value=row.proposed_value,
        ror_task_id=row.ror_task_id,
        ror_version=row.ror_version,
        ror_reference=row.ror_reference,
        ror_identifier_system=row.ror_identifier_system,
        ror_state=_ROR_STATES[row.ror_state] if row.ror_state else None,
        history=entries,
        stored_history=len(entries),
    )


def folded_name(name: str) -> str:
    return fold(name)[:FOLDED_NAME_MAX]


def to_row(anomaly: Anomaly, name_id: int) -> dict[str, Any]:
    """The anomalies row of an anomaly, as values for a Core insert."""
    return {
        "number": anomaly.reference_number,
        "status": anomaly.status.value,
        "kind": anomaly.kind.value,
        "resource_id": anomaly.resource_id,
        "structure_id": anomaly.structure_id,
        "structure_name": anomaly.structure_name,
        "structure_name_folded": folded_name(anomaly.structure_name),
        "name_id": name_id,
        "offer_name": anomaly.offer_name,
        "region": anomaly.region,
        "departement": anomaly.departement,
        "data_item": anomaly.data_item,
        "present_value": anomaly.present_value,
        "description": anomaly.description,
        "thematique": anomaly.thematique.value,
        "action": anomaly.action.value,
        "fhir_path": anomaly.fhir_path,
        "rule": anomaly.rule,
        "proposed_value": anomaly.proposed_value,
        "declaring_system": anomaly.declaring_system,
        "declarant_id": anomaly.declarant_id,
        "declarant_email": anomaly.declarant_email,
        "group_name": anomaly.group_name,
        "recipient": anomaly.recipient,
        "created_at": anomaly.created_at,
        "updated_at": anomaly.updated_at,
        **ror_values(anomaly),
    }


def ror_values(anomaly: Anomaly) -> dict[str, Any]:
    """The columns that follow its Task on the ROR national (all None in standalone mode)."""
    return {
        "ror_task_id": anomaly.ror_task_id,
        "ror_version": anomaly.ror_version,
        "ror_reference": anomaly.ror_reference,
        "ror_identifier_system": anomaly.ror_identifier_system,
        "ror_state": anomaly.ror_state.value if anomaly.ror_state else None,
    }


def history_rows(anomaly: Anomaly) -> list[dict[str, Any]]:
    """The history entries not stored yet, as values for a Core insert."""
    return [
        {
            "anomaly_number": anomaly.reference_number,
            "at": entry.at,
            "previous": entry.previous.value if entry.previous else None,
            "status": entry.status.value,
            "actor": entry.actor,
            "role": entry.role.value,
            "system": entry.system,
            "comment": entry.comment,
        }
        for entry in anomaly.new_history
    ]


class SqlAnomalies:
    def __init__(self, session: Session, tz: ZoneInfo, names: dict[str, int] | None = None) -> None:
        self.session = session
        self.tz = tz
        # The store's committed anomaly_names ids by folded name (shared by its units of work).
        self._names: dict[str, int] = {} if names is None else names
        # The anomalies handed out one by one or added: the unit of work publishes their events on commit.
        # (Pages and exports are read-only and not kept: an export may hold a million anomalies.)
        self.seen: list[Anomaly] = []

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def allocate_references(self, count: int) -> list[str]:
        if count <= 0:
            return []
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            numbers = connection.execute(_NEXT_NUMBERS, {"n": count}).scalars().all()
            return [_reference(int(n)) for n in sorted(numbers)]
        start = connection.execute(_TAKE_NUMBERS, {"n": count}).scalar_one() - count
        return [_reference(start + i) for i in range(count)]

    def _name_ids(self, folded: set[str]) -> dict[str, int]:
        """`_name_id` for many names in three statements at most (a page of synced Tasks), none when the
        store has seen them all committed before (a declaration on a known structure)."""
        known: dict[str, int] = self.session.info.setdefault(_NAME_IDS_KEY, {})
        ids = {name: number for name in folded if (number := self._names.get(name)) is not None}
        missing = sorted(folded - ids.keys() - known.keys())
        if missing:
            connection = self.session.connection()
            found = _look_up_names(connection, missing)
            new = [name for name in missing if name not in found]
            if new:
                upsert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
                connection.execute(
                    upsert(AnomalyNameRow).on_conflict_do_nothing(), [{"folded": name} for name in new]
                )
                found = _look_up_names(connection, missing)
            known.update((name, int(number)) for name, number in found.items())
        ids.update((name, known[name]) for name in folded - ids.keys())
        return ids

    def remember_names(self) -> None:
        """After a commit: the names this transaction looked up or added are there for good (anomaly_names
        only grows, and an id never changes), so the store's next transactions skip their lookup."""
        learnt = self.session.info.pop(_NAME_IDS_KEY, None)
        if learnt:
            if len(self._names) + len(learnt) > NAME_IDS_KEPT:
                self._names.clear()
            self._names.update(learnt)

    def add(self, anomaly: Anomaly) -> None:
        self.add_all([anomaly])

    def add_all(self, anomalies: Sequence[Anomaly]) -> None:
        # Core inserts: one statement for the anomalies, one for their history, no ORM bookkeeping.
        if not anomalies:
            return
        names = [folded_name(anomaly.structure_name) for anomaly in anomalies]
        ids = self._name_ids(set(names))
        connection = self.session.connection()
        insert_rows(
            connection,
            ANOMALY_TABLE,
            [to_row(a, ids[name]) for a, name in zip(anomalies, names, strict=True)],
        )
        insert_rows(connection, HISTORY_TABLE, [row for a in anomalies for row in history_rows(a)])
        deltas = _deltas(self.session)
        for anomaly in anomalies:
            anomaly.stored_history = len(anomaly.history)
            deltas[count_key(anomaly, anomaly.status)] += 1
        self.seen.extend(anomalies)

    def add_imported(self, anomalies: Sequence[Anomaly]) -> list[Anomaly]:
        """Store anomalies synced from the ROR national, one statement per table for the lot; those whose
        Task another transaction stored first are left out (ON CONFLICT on the unique Task id: two
        instances syncing at once import nothing twice). Returns those stored."""
        if not anomalies:
            return []
        connection = self.session.connection()
        upsert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        names = self._name_ids({folded_name(a.structure_name) for a in anomalies})
        rows = [to_row(a, names[folded_name(a.structure_name)]) for a in anomalies]
        statement = upsert(ANOMALY_TABLE).on_conflict_do_nothing(index_elements=[ANOMALY_TABLE.c.ror_task_id])
        connection.execute(statement, rows)
        # Their numbers were just allocated to this transaction: a row holding one is a row it inserted
        # (one lookup, cheaper than RETURNING row by row).
        allocated = [row["number"] for row in rows]
        numbers = set(
            connection.execute(
                select(ANOMALY_TABLE.c.number).where(ANOMALY_TABLE.c.number.in_(allocated))
            ).scalars()
        )
        stored = [a for a in anomalies if a.reference_number in numbers]
        history = [row for a in stored for row in history_rows(a)]
        if history:
            connection.execute(insert(HISTORY_TABLE), history)
        deltas = _deltas(self.session)
        for anomaly in stored:
            anomaly.stored_history = len(anomaly.history)
            deltas[count_key(anomaly, anomaly.status)] += 1
        self.seen.extend(stored)
        if connection.dialect.name == "postgresql" and len(stored) >= FRESH_STATISTICS_FROM:
            _keep_statistics_fresh(connection)
        return stored

    def by_task_ids(self, task_ids: Sequence[str], *, for_update: bool = False) -> dict[str, Anomaly]:
        """The anomalies of these ROR national Tasks (those we hold), with their history, by Task id."""
        if not task_ids:
            return {}
        query = select(ANOMALY_TABLE).where(ANOMALY_TABLE.c.ror_task_id.in_(sorted(set(task_ids))))
        if for_update:
            # Key order: concurrent syncs of overlapping pages lock rows in the same order (no deadlock).
            query = query.order_by(ANOMALY_TABLE.c.number).with_for_update()
        found = self._with_history(self.session.connection().execute(query).all())
        self.seen.extend(found)
        return {a.ror_task_id: a for a in found if a.ror_task_id is not None}

    def awaiting_task(self, resource_ids: Sequence[str]) -> list[Anomaly]:
        """Anomalies on these resources waiting to be sent, no ROR national Task recorded for them yet (a
        POST not sent, or whose answer was not recorded), with their history."""
        if not resource_ids:
            return []
        query = (
            select(ANOMALY_TABLE)
            .where(
                ANOMALY_TABLE.c.resource_id.in_(sorted(set(resource_ids))),
                ANOMALY_TABLE.c.ror_task_id.is_(None),
                ANOMALY_TABLE.c.ror_state == RorState.PENDING.value,
            )
            .order_by(ANOMALY_TABLE.c.number)
            .with_for_update()
        )
        found = self._with_history(self.session.connection().execute(query).all())
        self.seen.extend(found)
        return found

    def _with_history(self, rows: Sequence[Any]) -> list[Anomaly]:
        if not rows:
            return []
        numbers = [r.number for r in rows]
        entries: dict[int, list[Any]] = {n: [] for n in numbers}
        for entry in self.session.connection().execute(
            select(HISTORY_TABLE)
            .where(HISTORY_TABLE.c.anomaly_number.in_(numbers))
            .order_by(HISTORY_TABLE.c.id)
        ):
            entries[entry.anomaly_number].append(entry)
        return [to_entity(r, entries[r.number]) for r in rows]

    def get(self, reference: str, *, perimeter: Perimeter | None, for_update: bool = False) -> Anomaly:
        """By local reference (`ANO_…`, also the provisional one of a declaration sent later) or by the
        reference the ROR national gave it (connected mode)."""
        text = reference.strip()
        try:
            number: int | None = Reference.parse(reference).number
        except InvalidReference:
            # Not ours: perhaps the ROR's; when no anomaly has it, the error about its form stands.
            if not text or len(text) > ROR_REFERENCE_MAX:
                raise
            number = None
        if number is not None:
            try:
                return self._one(AnomalyRow.number == number, reference, perimeter, for_update)
            except AnomalyNotFound:
                # The ROR's references may look like ours (ANO_ + 12 digits).
                if not self._exists(AnomalyRow.ror_reference == text):
                    raise
        elif not self._exists(AnomalyRow.ror_reference == text):
            raise InvalidReference(text[:40])
        return self._one(AnomalyRow.ror_reference == text, reference, perimeter, for_update)

    def _exists(self, where: Any) -> bool:
        return self.session.scalar(select(AnomalyRow.number).where(where).limit(1)) is not None

    def by_task_id(self, task_id: str, *, for_update: bool = False) -> Anomaly | None:
        try:
            return self._one(AnomalyRow.ror_task_id == task_id, task_id, None, for_update)
        except AnomalyNotFound:
            return None

    def _one(self, where: Any, reference: str, perimeter: Perimeter | None, for_update: bool) -> Anomaly:
        query = select(AnomalyRow).where(where).order_by(AnomalyRow.number).limit(1)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        if row is None or (perimeter is not None and not perimeter.contains(row.region)):
            raise AnomalyNotFound(reference)
        history = self.session.scalars(
            select(HistoryRow).where(HistoryRow.anomaly_number == row.number).order_by(HistoryRow.id)
        ).all()
        anomaly = to_entity(row, list(history))
        self.seen.append(anomaly)
        return anomaly

    def save(self, anomaly: Anomaly) -> None:
        stored = self.session.scalar(
            select(AnomalyRow.status).where(AnomalyRow.number == anomaly.reference_number)
        )
        self.session.execute(
            update(AnomalyRow)
            .where(AnomalyRow.number == anomaly.reference_number)
            .values(
                status=anomaly.status.value,
                recipient=anomaly.recipient,
                updated_at=anomaly.updated_at,
                **ror_values(anomaly),
            )
        )
        if stored is not None and stored != anomaly.status.value:
            deltas = _deltas(self.session)
            deltas[count_key(anomaly, Status(stored))] -= 1
            deltas[count_key(anomaly, anomaly.status)] += 1
        new_history = history_rows(anomaly)
        if new_history:
            self.session.execute(insert(HISTORY_TABLE), new_history)
        anomaly.stored_history = len(anomaly.history)

    def count(self, flt: AnomalyFilter, *, perimeter: Perimeter | None) -> int:
        """How many anomalies match: from anomaly_counts when the filter allows, else counted."""
        return self._count(
            flt, perimeter, conditions(flt, perimeter=perimeter, tz=self.tz, dialect=self._dialect)
        )

    def _count(self, flt: AnomalyFilter, perimeter: Perimeter | None, where: list[Any]) -> int:
        # Core statements on the session's connection: no ORM entities to build for a number.
        return int(self.session.connection().scalar(self._count_query(flt, perimeter, where)) or 0)

    def _count_query(self, flt: AnomalyFilter, perimeter: Perimeter | None, where: list[Any]) -> Select[Any]:
        counted = count_conditions(flt, perimeter=perimeter)
        if counted is not None:
            return select(func.sum(AnomalyCountRow.n)).where(*counted)
        return select(func.count()).select_from(AnomalyRow).where(*where)

    def page(self, flt: AnomalyFilter, *, perimeter: Perimeter, page: int, size: int) -> Page[Anomaly]:
        where = conditions(flt, perimeter=perimeter, tz=self.tz, dialect=self._dialect)
        # The page and its total in one statement (the total as an uncorrelated scalar subquery, computed
        # once): one round trip, one snapshot. Core rows, not ORM objects: a page is read-only, and this is
        # most of the Python cost per call.
        total_query = self._count_query(flt, perimeter, where).scalar_subquery().label("page_total")
        rows = (
            self.session.connection()
            .execute(
                select(ANOMALY_TABLE, total_query)
                .where(*where)
                .order_by(*NEWEST_FIRST)
                .offset((page - 1) * size)
                .limit(size)
            )
            .all()
        )
        if rows:
            total = int(rows[0].page_total or 0)
        else:  # no row on this page: nothing matches, or the page lies past the end
            total = 0 if page == 1 else self._count(flt, perimeter, where)
        return Page([to_entity(r) for r in rows], total, page, size)

    def iterate(self, flt: AnomalyFilter, *, perimeter: Perimeter) -> Iterator[Anomaly]:
        where = conditions(flt, perimeter=perimeter, tz=self.tz, dialect=self._dialect)
        after = None
        while True:
            # Core rows, not ORM objects, as in page(): an export reads a million rows at most once each.
            query = select(ANOMALY_TABLE).where(*where)
            if after is not None:
                query = query.where(tuple_(ANOMALY_TABLE.c.updated_at, ANOMALY_TABLE.c.number) < after)
            rows = self.session.connection().execute(query.order_by(*NEWEST_FIRST).limit(EXPORT_BATCH)).all()
            yield from (to_entity(r) for r in rows)
            if len(rows) < EXPORT_BATCH:
                return
            after = (rows[-1].updated_at, rows[-1].number)

    def count_by_status(self, flt: AnomalyFilter, *, perimeter: Perimeter | None) -> dict[Status, int]:
        counted = count_conditions(flt, perimeter=perimeter)
        if counted is not None:
            summed = (
                self.session.connection()
                .execute(
                    select(AnomalyCountRow.status, func.sum(AnomalyCountRow.n))
                    .where(*counted)
                    .group_by(AnomalyCountRow.status)
                )
                .all()
            )
            return {Status(status): int(n) for status, n in summed if n}
        where = conditions(flt, perimeter=perimeter, tz=self.tz, dialect=self._dialect)
        return count_rows_by_status(self.session.connection(), where)

    def open_count_for_resource(self, kind: ResourceKind, resource_id: str) -> int:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(AnomalyRow)
                .where(
                    AnomalyRow.resource_id == resource_id,
                    AnomalyRow.kind == kind.value,
                    AnomalyRow.status.in_(sorted(s.value for s in OPEN)),
                )
            )
            or 0
        )

    def for_resource(
        self, resource_id: str, *, statuses: frozenset[Status], for_update: bool = False
    ) -> list[Anomaly]:
        query = (
            select(AnomalyRow)
            .where(
                AnomalyRow.resource_id == resource_id,
                AnomalyRow.status.in_(sorted(s.value for s in statuses)),
            )
            .order_by(AnomalyRow.number)
        )
        if for_update:
            query = query.with_for_update()
        rows = self.session.scalars(query).all()
        found = []
        for row in rows:
            history = self.session.scalars(
                select(HistoryRow).where(HistoryRow.anomaly_number == row.number).order_by(HistoryRow.id)
            ).all()
            found.append(to_entity(row, list(history)))
        self.seen += found
        return found

    def discard(self, reference: str) -> None:
        number = Reference.parse(reference).number
        row = self.session.scalars(select(AnomalyRow).where(AnomalyRow.number == number)).one_or_none()
        if row is None:
            return
        anomaly = to_entity(row)
        self.session.execute(delete(RorJournalRow).where(RorJournalRow.anomaly_number == number))
        self.session.execute(delete(HistoryRow).where(HistoryRow.anomaly_number == number))
        self.session.execute(delete(AnomalyRow).where(AnomalyRow.number == number))
        _deltas(self.session)[count_key(anomaly, anomaly.status)] -= 1
        # Its events (none in connected mode before sending) must not outlive it.
        for seen in self.seen:
            if seen.reference == reference:
                seen.pull_events()

    def wrong_recipients(self) -> list[WrongRecipient]:
        row = AnomalyRow
        name = func.max(func.coalesce(row.offer_name, row.structure_name))
        found = self.session.execute(
            select(row.kind, row.resource_id, name, row.recipient, func.count(), func.min(row.updated_at))
            .where(row.status == Status.BLOCKED_WRONG_RECIPIENT.value)
            .group_by(row.kind, row.resource_id, row.recipient)
            .order_by(func.min(row.updated_at), row.resource_id)
        ).all()
        return [
            WrongRecipient(
                kind=ResourceKind(kind),
                resource_id=resource_id,
                name=str(label or ""),
                recipient=recipient or "",
                blocked=int(blocked),
                since=since,  # min() keeps the column's type: UTC-aware on SQLite too
            )
            for kind, resource_id, label, recipient, blocked, since in found
        ]
