"""Connected mode: the operations still to be sent to the ROR national (issue 8).

A declaration or a cancellation is written here in the transaction that records it locally; a sender
(right after the Slack acknowledgement, then the scheduler's `ror push`) leases due rows, calls the ROR
and marks them done, retried (next attempt, Retry-After honoured) or refused. Same lease as the outbox."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UtcDateTime


class RorJournalRow(Base):
    __tablename__ = "ror_journal"
    __table_args__ = (
        Index("ix_ror_journal_due", "state", "next_attempt_at"),
        Index("ix_ror_journal_anomaly", "anomaly_number"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    anomaly_number: Mapped[int] = mapped_column(BigInteger, ForeignKey("anomalies.number"))
    operation: Mapped[str] = mapped_column(String(16))  # "submit" | "cancel"
    # What the operation needs besides the anomaly (a cancellation's actor and comment, who to tell).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))  # "pending" | "done" | "refused" | "dropped"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
