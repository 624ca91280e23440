"""Events stored with the change that caused them; delivered (Slack DMs) after commit, with retries."""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session

from domain.events import (
    AnomaliesImported,
    DomainEvent,
    RecipientUnreachable,
    RefusedByRorNational,
    SentToRecipient,
    SentToRorNational,
    StatusChanged,
)
from domain.statuses import Status
from storage.models import OutboxRow
from storage.rows import insert_rows

NEVER = datetime(9999, 12, 31, tzinfo=UTC)
_KINDS: dict[str, type[DomainEvent]] = {
    "SentToRecipient": SentToRecipient,
    "StatusChanged": StatusChanged,
    "RecipientUnreachable": RecipientUnreachable,
    "SentToRorNational": SentToRorNational,
    "RefusedByRorNational": RefusedByRorNational,
    "AnomaliesImported": AnomaliesImported,
}


_FIELDS: dict[type, tuple[str, ...]] = {
    kind: tuple(f.name for f in dataclasses.fields(kind)) for kind in _KINDS.values()
}


def to_payload(event: DomainEvent) -> dict[str, Any]:
    # Events hold flat values only: read field by field, not through asdict's deep copies (declaring is hot).
    values = ((name, getattr(event, name)) for name in _FIELDS[type(event)])
    return {k: (v.value if isinstance(v, Status) else v) for k, v in values}


def from_payload(kind: str, payload: dict[str, Any]) -> DomainEvent:
    if kind == "StatusChanged":
        return StatusChanged(
            **{**payload, "previous": Status(payload["previous"]), "current": Status(payload["current"])}
        )
    return _KINDS[kind](**payload)


_TABLE = cast(Table, OutboxRow.__table__)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    event: DomainEvent
    attempts: int  # deliveries started, this one included


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        now = datetime.now(UTC)
        # One Core statement: declaring is hot, the ORM's bookkeeping is not needed here.
        insert_rows(
            self.session.connection(),
            _TABLE,
            [
                {"kind": type(e).__name__, "payload": to_payload(e), "created_at": now, "attempts": 0}
                for e in events
            ],
        )

    def lease(self, *, now: datetime, lease: timedelta, limit: int = 50) -> list[OutboxMessage]:
        """The undelivered messages due now, leased until `now + lease`: no other deliverer takes them
        meanwhile (on PostgreSQL concurrent leases skip the rows locked here), and a delivery that
        crashed is taken over once the lease has run out. Each lease counts as one attempt."""
        query = (
            select(OutboxRow)
            .where(OutboxRow.delivered_at.is_(None))
            .where(or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now))
            .where(or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until <= now))
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = self.session.scalars(query).all()
        leased = [
            OutboxMessage(row.id, from_payload(row.kind, row.payload), row.attempts + 1) for row in rows
        ]
        if leased:
            self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_([m.id for m in leased]))
                .values(claimed_until=now + lease, attempts=OutboxRow.attempts + 1)
                .execution_options(synchronize_session=False)
            )
        return leased

    def mark_delivered(self, message_id: int, *, at: datetime) -> None:
        self.session.execute(
            update(OutboxRow).where(OutboxRow.id == message_id).values(delivered_at=at, claimed_until=None)
        )

    def mark_failed(self, message_id: int, *, error: str, retry_at: datetime | None) -> None:
        """`retry_at` None gives up: the message is kept with its error and never tried again."""
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id)
            .values(last_error=error[:2000], next_attempt_at=retry_at or NEVER, claimed_until=None)
        )
