"""Events stored with the change that caused them; delivered (Slack DMs) after commit, with retries."""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.orm import Session

from domain.events import DomainEvent, RecipientUnreachable, SentToRecipient, StatusChanged
from domain.statuses import Status
from storage.models import OutboxRow

NEVER = datetime(9999, 12, 31, tzinfo=UTC)
_KINDS: dict[str, type[SentToRecipient] | type[StatusChanged] | type[RecipientUnreachable]] = {
    "SentToRecipient": SentToRecipient,
    "StatusChanged": StatusChanged,
    "RecipientUnreachable": RecipientUnreachable,
}


def to_payload(event: DomainEvent) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, Status) else v) for k, v in dataclasses.asdict(event).items()}


def from_payload(kind: str, payload: dict[str, Any]) -> DomainEvent:
    if kind == "StatusChanged":
        return StatusChanged(
            **{**payload, "previous": Status(payload["previous"]), "current": Status(payload["current"])}
        )
    return _KINDS[kind](**payload)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    event: DomainEvent
    attempts: int


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        now = datetime.now(UTC)
        # One Core statement: declaring is hot, the ORM's bookkeeping is not needed here.
        self.session.connection().execute(
            insert(cast(Table, OutboxRow.__table__)),
            [
                {"kind": type(e).__name__, "payload": to_payload(e), "created_at": now, "attempts": 0}
                for e in events
            ],
        )

    def claim_pending(self, *, now: datetime, limit: int = 50) -> list[OutboxMessage]:
        """Undelivered messages due now; on PostgreSQL other processes skip the ones claimed here."""
        query = (
            select(OutboxRow)
            .where(OutboxRow.delivered_at.is_(None))
            .where(or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now))
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [
            OutboxMessage(row.id, from_payload(row.kind, row.payload), row.attempts)
            for row in self.session.scalars(query).all()
        ]

    def mark_delivered(self, message_id: int, *, at: datetime) -> None:
        self.session.execute(update(OutboxRow).where(OutboxRow.id == message_id).values(delivered_at=at))

    def mark_failed(self, message_id: int, *, error: str, retry_at: datetime | None) -> None:
        """`retry_at` None gives up: the message is kept with its error and never tried again."""
        values: dict[str, Any] = {
            "attempts": OutboxRow.attempts + 1,
            "last_error": error[:2000],
            "next_attempt_at": retry_at or NEVER,
        }
        self.session.execute(update(OutboxRow).where(OutboxRow.id == message_id).values(**values))
