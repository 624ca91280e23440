"""Digest subscriptions of channels, and the record of the digests posted (SPEC §6)."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UtcDateTime


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_channel", "channel_id", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(40))
    creator_email: Mapped[str] = mapped_column(String(320))
    creator_user_id: Mapped[str] = mapped_column(String(40))
    filter_words: Mapped[list[str]] = mapped_column(JSON)
    cadence: Mapped[str] = mapped_column(String(12))
    weekdays: Mapped[str] = mapped_column(String(20))
    at_time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    report_blocked: Mapped[bool] = mapped_column(Boolean)
    report_updated: Mapped[bool] = mapped_column(Boolean)
    report_empty: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)


class DigestRunRow(Base):
    __tablename__ = "digest_runs"
    __table_args__ = (
        UniqueConstraint("subscription_id", "period_end", name="uq_digest_runs_period"),
        Index("ix_digest_runs_subscription", "subscription_id", "status", "until"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    period_end: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(10))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime] = mapped_column(UtcDateTime)
    until: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    message_ts: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
