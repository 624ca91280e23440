"""The journal of operations still to send to the ROR national (domain.ror_journal), leased like the
outbox: `FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's single writer elsewhere."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from domain.identifiers import Reference
from domain.ror_journal import JournalEntry, JournalOperation, JournalState
from storage.models import RorJournalRow

MAX_ERROR = 2000


def _reference(number: int) -> str:
    return str(Reference(number))


class SqlRorJournal:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        reference: str,
        operation: JournalOperation,
        *,
        at: datetime,
        payload: dict[str, str] | None = None,
    ) -> int:
        inserted = self.session.execute(
            insert(RorJournalRow)
            .values(
                anomaly_number=Reference.parse(reference).number,
                operation=operation.value,
                payload=dict(payload or {}),
                state=JournalState.PENDING.value,
                created_at=at,
                next_attempt_at=at,
                attempts=0,
            )
            .returning(RorJournalRow.id)
        )
        return int(inserted.scalar_one())

    def lease(
        self, *, now: datetime, lease: timedelta, limit: int, ids: Sequence[int] | None = None
    ) -> list[JournalEntry]:
        query = (
            select(RorJournalRow)
            .where(RorJournalRow.state == JournalState.PENDING.value)
            .where(RorJournalRow.next_attempt_at <= now)
            .where(or_(RorJournalRow.claimed_until.is_(None), RorJournalRow.claimed_until <= now))
            .order_by(RorJournalRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if ids is not None:
            query = query.where(RorJournalRow.id.in_(list(ids)))
        rows = self.session.scalars(query).all()
        leased = [
            JournalEntry(
                id=row.id,
                reference=_reference(row.anomaly_number),
                operation=JournalOperation(row.operation),
                attempts=row.attempts + 1,
                created_at=row.created_at,
                payload={str(k): str(v) for k, v in (row.payload or {}).items()},
            )
            for row in rows
        ]
        if leased:
            self.session.execute(
                update(RorJournalRow)
                .where(RorJournalRow.id.in_([e.id for e in leased]))
                .values(claimed_until=now + lease, attempts=RorJournalRow.attempts + 1)
                .execution_options(synchronize_session=False)
            )
        return leased

    def _finish(self, entry_id: int, **values: object) -> None:
        self.session.execute(
            update(RorJournalRow)
            .where(RorJournalRow.id == entry_id)
            .values(claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )

    def done(self, entry_id: int, *, at: datetime) -> None:
        self._finish(entry_id, state=JournalState.DONE.value, done_at=at)

    def retry(self, entry_id: int, *, error: str, next_attempt_at: datetime) -> None:
        self._finish(entry_id, last_error=error[:MAX_ERROR], next_attempt_at=next_attempt_at)

    def refuse(self, entry_id: int, *, error: str, at: datetime) -> None:
        self._finish(entry_id, state=JournalState.REFUSED.value, last_error=error[:MAX_ERROR], done_at=at)

    def drop(self, reference: str, operation: JournalOperation, *, at: datetime) -> int:
        result = self.session.execute(
            update(RorJournalRow)
            .where(
                RorJournalRow.anomaly_number == Reference.parse(reference).number,
                RorJournalRow.operation == operation.value,
                RorJournalRow.state == JournalState.PENDING.value,
            )
            .values(state=JournalState.DROPPED.value, done_at=at, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def pending(self, reference: str) -> list[JournalOperation]:
        found = self.session.scalars(
            select(RorJournalRow.operation)
            .where(
                RorJournalRow.anomaly_number == Reference.parse(reference).number,
                RorJournalRow.state == JournalState.PENDING.value,
            )
            .order_by(RorJournalRow.id)
        ).all()
        return [JournalOperation(op) for op in found]

    def pending_ids(self, references: Sequence[str], operation: JournalOperation) -> list[int]:
        if not references:
            return []
        numbers = [Reference.parse(r).number for r in references]
        found = self.session.scalars(
            select(RorJournalRow.id)
            .where(
                RorJournalRow.anomaly_number.in_(numbers),
                RorJournalRow.operation == operation.value,
                RorJournalRow.state == JournalState.PENDING.value,
            )
            .order_by(RorJournalRow.id)
        ).all()
        return [int(i) for i in found]

    def count_pending(self) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(RorJournalRow)
                .where(RorJournalRow.state == JournalState.PENDING.value)
            )
            or 0
        )
