"""Anomalies in SQL: the store answers the questions the domain asks (ports.AnomalyRepository)."""

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, tuple_, update
from sqlalchemy.orm import Session

from domain.anomaly import Anomaly, HistoryEntry
from domain.catalogue import Action, ResourceKind, Thematique
from domain.errors import AnomalyNotFound
from domain.filters import AnomalyFilter
from domain.habilitation import Perimeter
from domain.ports import Page
from domain.statuses import OPEN, Role, Status
from domain.text import fold
from storage.conditions import conditions
from storage.models import REFERENCE_SEQUENCE, AnomalyRow, HistoryRow, ReferenceCounterRow

NEWEST_FIRST = (AnomalyRow.updated_at.desc(), AnomalyRow.number.desc())
EXPORT_BATCH = 1000


def _reference(number: int) -> str:
    return f"ANO_{number:012d}"


def to_entity(row: AnomalyRow, history: list[HistoryRow] | None = None) -> Anomaly:
    entries = [
        HistoryEntry(
            at=h.at,
            previous=Status(h.previous) if h.previous else None,
            status=Status(h.status),
            actor=h.actor,
            role=Role(h.role),
            system=h.system,
            comment=h.comment,
        )
        for h in history or []
    ]
    return Anomaly(
        reference=_reference(row.number),
        status=Status(row.status),
        kind=ResourceKind(row.kind),
        resource_id=row.resource_id,
        structure_id=row.structure_id,
        structure_name=row.structure_name,
        offer_name=row.offer_name,
        region=row.region,
        departement=row.departement,
        data_item=row.data_item,
        present_value=row.present_value,
        description=row.description,
        thematique=Thematique(row.thematique),
        action=Action(row.action),
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
        history=entries,
        stored_history=len(entries),
    )


def to_row(anomaly: Anomaly) -> AnomalyRow:
    return AnomalyRow(
        number=anomaly.reference_number,
        status=anomaly.status.value,
        kind=anomaly.kind.value,
        resource_id=anomaly.resource_id,
        structure_id=anomaly.structure_id,
        structure_name=anomaly.structure_name,
        structure_name_folded=fold(anomaly.structure_name),
        offer_name=anomaly.offer_name,
        region=anomaly.region,
        departement=anomaly.departement,
        data_item=anomaly.data_item,
        present_value=anomaly.present_value,
        description=anomaly.description,
        thematique=anomaly.thematique.value,
        action=anomaly.action.value,
        fhir_path=anomaly.fhir_path,
        rule=anomaly.rule,
        proposed_value=anomaly.proposed_value,
        declaring_system=anomaly.declaring_system,
        declarant_id=anomaly.declarant_id,
        declarant_email=anomaly.declarant_email,
        group_name=anomaly.group_name,
        recipient=anomaly.recipient,
        created_at=anomaly.created_at,
        updated_at=anomaly.updated_at,
    )


def history_rows(anomaly: Anomaly) -> list[HistoryRow]:
    return [
        HistoryRow(
            anomaly_number=anomaly.reference_number,
            at=entry.at,
            previous=entry.previous.value if entry.previous else None,
            status=entry.status.value,
            actor=entry.actor,
            role=entry.role.value,
            system=entry.system,
            comment=entry.comment,
        )
        for entry in anomaly.new_history
    ]


class SqlAnomalies:
    def __init__(self, session: Session, tz: ZoneInfo) -> None:
        self.session = session
        self.tz = tz

    def allocate_references(self, count: int) -> list[str]:
        if count <= 0:
            return []
        if self.session.get_bind().dialect.name == "postgresql":
            numbers = self.session.scalars(
                text(f"SELECT nextval('{REFERENCE_SEQUENCE}') FROM generate_series(1, :n)"), {"n": count}
            ).all()
            return [_reference(int(n)) for n in sorted(numbers)]
        start = (
            self.session.scalars(
                update(ReferenceCounterRow)
                .where(ReferenceCounterRow.id == 1)
                .values(next_value=ReferenceCounterRow.next_value + count)
                .returning(ReferenceCounterRow.next_value)
            ).one()
            - count
        )
        return [_reference(start + i) for i in range(count)]

    def add(self, anomaly: Anomaly) -> None:
        self.session.add(to_row(anomaly))
        self.session.flush()
        self.session.add_all(history_rows(anomaly))
        anomaly.stored_history = len(anomaly.history)

    def get(self, reference: str, *, perimeter: Perimeter | None, for_update: bool = False) -> Anomaly:
        number = int(reference.removeprefix("ANO_"))
        query = select(AnomalyRow).where(AnomalyRow.number == number)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        if row is None or (perimeter is not None and not perimeter.contains(row.region)):
            raise AnomalyNotFound(reference)
        history = self.session.scalars(
            select(HistoryRow).where(HistoryRow.anomaly_number == number).order_by(HistoryRow.id)
        ).all()
        return to_entity(row, list(history))

    def save(self, anomaly: Anomaly) -> None:
        self.session.execute(
            update(AnomalyRow)
            .where(AnomalyRow.number == anomaly.reference_number)
            .values(status=anomaly.status.value, recipient=anomaly.recipient, updated_at=anomaly.updated_at)
        )
        self.session.add_all(history_rows(anomaly))
        self.session.flush()
        anomaly.stored_history = len(anomaly.history)

    def page(self, flt: AnomalyFilter, *, perimeter: Perimeter, page: int, size: int) -> Page[Anomaly]:
        where = conditions(flt, perimeter=perimeter, tz=self.tz)
        total = self.session.scalar(select(func.count()).select_from(AnomalyRow).where(*where)) or 0
        rows = self.session.scalars(
            select(AnomalyRow).where(*where).order_by(*NEWEST_FIRST).offset((page - 1) * size).limit(size)
        ).all()
        return Page([to_entity(r) for r in rows], total, page, size)

    def iterate(self, flt: AnomalyFilter, *, perimeter: Perimeter) -> Iterator[Anomaly]:
        where = conditions(flt, perimeter=perimeter, tz=self.tz)
        after = None
        while True:
            query = select(AnomalyRow).where(*where)
            if after is not None:
                query = query.where(tuple_(AnomalyRow.updated_at, AnomalyRow.number) < after)
            rows = self.session.scalars(query.order_by(*NEWEST_FIRST).limit(EXPORT_BATCH)).all()
            yield from (to_entity(r) for r in rows)
            if len(rows) < EXPORT_BATCH:
                return
            after = (rows[-1].updated_at, rows[-1].number)

    def count_by_status(self, flt: AnomalyFilter, *, perimeter: Perimeter) -> dict[Status, int]:
        where = conditions(flt, perimeter=perimeter, tz=self.tz)
        rows = self.session.execute(
            select(AnomalyRow.status, func.count()).where(*where).group_by(AnomalyRow.status)
        ).all()
        return {Status(status): count for status, count in rows}

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
        return found
