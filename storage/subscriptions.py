"""Digest subscriptions, the record of digest runs, and the questions a digest asks (SPEC §6).

**At most one post per (subscription, period).** `digest_runs` has a unique key (subscription_id,
period_end). A run first *claims* the pair by inserting its row (INSERT … ON CONFLICT DO NOTHING, so of
two concurrent runs exactly one gets the row), commits, then builds and posts, then records the outcome.
A claim still `claimed` after a timeout (the process died) or `failed` (Slack refused) is taken over by
an UPDATE conditioned on the row being unchanged, so again only one run wins.

**No update lost between two digests.** The « mises à jour » of a digest are the anomalies whose last
status change (`updated_at`, written by the changing transaction from the application clock, then
committed later) lies in (since, until]. `since` is the previous digest's `until`; `until` is a
*watermark*: an instant before which every write transaction has committed, computed while claiming:

- PostgreSQL: min(now, start of the oldest transaction open in the database) − margin. A transaction
  still open has `updated_at` ≥ its start > until: it falls in the next digest, never in neither;
- SQLite: the claim holds the write lock (BEGIN IMMEDIATE) and writers take it from their first
  statement, before they read the clock: every earlier write has committed; until = now − margin.

The margin (a few seconds) absorbs clock differences between the application hosts and the database.
An update that lands after `until` is reported by the next digest; one before it is committed and
visible to this digest, which is built in a later transaction.
"""

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, Session, mapped_column

from domain.digests import Claim, RunStatus, Selection
from domain.filters import AnomalyFilter, parse_filter_words
from domain.habilitation import Perimeter
from domain.schedule import Cadence, Schedule
from domain.statuses import BLOCKED, Status
from domain.subscriptions import Subscription
from storage.conditions import conditions
from storage.models import AnomalyRow, Base
from storage.repositories.anomalies import NEWEST_FIRST, SqlAnomalies, to_entity
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


def _to_entity(row: SubscriptionRow) -> Subscription:
    hours, minutes = (int(part) for part in row.at_time.split(":"))
    schedule = Schedule(
        cadence=Cadence(row.cadence),
        weekdays=frozenset(int(d) for d in row.weekdays.split(",") if d),
        at=time(hours, minutes),
        timezone=row.timezone,
    )
    return Subscription(
        id=row.id,
        channel_id=row.channel_id,
        creator_email=row.creator_email,
        creator_user_id=row.creator_user_id,
        filter=parse_filter_words(row.filter_words),
        schedule=schedule,
        created_at=row.created_at,
        report_blocked=row.report_blocked,
        report_updated=row.report_updated,
        report_empty=row.report_empty,
        active=row.active,
        disabled_reason=row.disabled_reason,
    )


class SqlSubscriptions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, subscription: Subscription) -> Subscription:
        schedule = subscription.schedule
        row = SubscriptionRow(
            channel_id=subscription.channel_id,
            creator_email=subscription.creator_email,
            creator_user_id=subscription.creator_user_id,
            filter_words=subscription.filter.to_words(),
            cadence=schedule.cadence.value,
            weekdays=",".join(str(d) for d in sorted(schedule.weekdays)),
            at_time=schedule.at.strftime("%H:%M"),
            timezone=schedule.timezone,
            report_blocked=subscription.report_blocked,
            report_updated=subscription.report_updated,
            report_empty=subscription.report_empty,
            active=subscription.active,
            created_at=subscription.created_at,
        )
        self.session.add(row)
        self.session.flush()
        subscription.id = row.id
        return subscription

    def of_channel(self, channel_id: str) -> list[Subscription]:
        rows = self.session.scalars(
            select(SubscriptionRow)
            .where(SubscriptionRow.channel_id == channel_id, SubscriptionRow.active.is_(True))
            .order_by(SubscriptionRow.id)
        ).all()
        return [_to_entity(r) for r in rows]

    def active(self) -> list[Subscription]:
        rows = self.session.scalars(
            select(SubscriptionRow).where(SubscriptionRow.active.is_(True)).order_by(SubscriptionRow.id)
        ).all()
        return [_to_entity(r) for r in rows]

    def get(self, subscription_id: int) -> Subscription | None:
        row = self.session.get(SubscriptionRow, subscription_id)
        return _to_entity(row) if row else None

    def deactivate(self, subscription_id: int, *, reason: str) -> None:
        self.session.execute(
            update(SubscriptionRow)
            .where(SubscriptionRow.id == subscription_id)
            .values(active=False, disabled_at=datetime.now(UTC), disabled_reason=reason[:2000])
        )


DONE = (RunStatus.POSTED.value, RunStatus.EMPTY.value)


class SqlDigestRuns:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def watermark(self, *, now: datetime, margin: timedelta) -> datetime:
        """An instant before which every write transaction has committed (see the module docstring)."""
        limit = now
        if self._dialect == "postgresql":
            oldest = self.session.scalar(
                text(
                    "SELECT min(xact_start) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
                )
            )
            if oldest is not None:
                limit = min(limit, oldest.astimezone(UTC))
        else:
            self.session.execute(select(1))  # SQLite: BEGIN IMMEDIATE, i.e. hold the write lock
            limit = min(limit, datetime.now(UTC))
        return limit - margin

    def _previous_until(self, subscription: Subscription) -> datetime:
        assert subscription.id is not None
        last = self.session.scalar(
            select(func.max(DigestRunRow.until)).where(
                DigestRunRow.subscription_id == subscription.id, DigestRunRow.status.in_(DONE)
            )
        )
        return last if last is not None else subscription.created_at

    def window(
        self, subscription: Subscription, *, now: datetime, margin: timedelta
    ) -> tuple[datetime, datetime]:
        since = self._previous_until(subscription)
        return since, max(since, self.watermark(now=now, margin=margin))

    def _insert(self, values: dict[str, Any]) -> int | None:
        insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        statement = (
            insert(DigestRunRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["subscription_id", "period_end"])
            .returning(DigestRunRow.id)
        )
        return self.session.scalar(statement)

    def _take_over(
        self,
        subscription_id: int,
        period_end: datetime,
        *,
        now: datetime,
        stale_before: datetime,
        max_attempts: int,
    ) -> int | None:
        row = self.session.scalars(
            select(DigestRunRow).where(
                DigestRunRow.subscription_id == subscription_id, DigestRunRow.period_end == period_end
            )
        ).one_or_none()
        if row is None:
            return None
        stale = row.status == RunStatus.CLAIMED and row.claimed_at < stale_before
        retry = row.status == RunStatus.FAILED and row.attempts < max_attempts
        if not (stale or retry):
            return None
        result = self.session.execute(
            update(DigestRunRow)
            .where(
                DigestRunRow.id == row.id,
                DigestRunRow.status == row.status,
                DigestRunRow.claimed_at == row.claimed_at,
            )
            .values(status=RunStatus.CLAIMED.value, claimed_at=now, attempts=DigestRunRow.attempts + 1)
        )
        assert isinstance(result, CursorResult)
        return row.id if result.rowcount == 1 else None

    def claim(
        self,
        subscription: Subscription,
        *,
        period_end: datetime,
        now: datetime,
        stale_before: datetime,
        max_attempts: int,
        margin: timedelta,
    ) -> Claim | None:
        assert subscription.id is not None
        since, until = self.window(subscription, now=now, margin=margin)
        run_id = self._insert(
            {
                "subscription_id": subscription.id,
                "period_end": period_end,
                "status": RunStatus.CLAIMED.value,
                "claimed_at": now,
                "attempts": 1,
                "since": since,
                "until": until,
            }
        )
        if run_id is None:
            run_id = self._take_over(
                subscription.id, period_end, now=now, stale_before=stale_before, max_attempts=max_attempts
            )
            if run_id is None:
                return None
            self.session.execute(
                update(DigestRunRow).where(DigestRunRow.id == run_id).values(since=since, until=until)
            )
        return Claim(
            id=run_id, subscription_id=subscription.id, period_end=period_end, since=since, until=until
        )

    def finish(
        self, claim: Claim, *, status: RunStatus, at: datetime, ts: str | None = None, error: str = ""
    ) -> None:
        self.session.execute(
            update(DigestRunRow)
            .where(DigestRunRow.id == claim.id)
            .values(status=status.value, finished_at=at, message_ts=ts, error=error[:2000] or None)
        )


class SqlDigestQueries:
    """Reuses the one filter → SQL function (`storage.conditions.conditions`)."""

    def __init__(self, session: Session, tz: ZoneInfo) -> None:
        self.session = session
        self.tz = tz

    def _select(self, where: list[Any], limit: int, counts: dict[Status, int] | None = None) -> Selection:
        if counts is None:
            counts = {
                Status(status): count
                for status, count in self.session.execute(
                    select(AnomalyRow.status, func.count()).where(*where).group_by(AnomalyRow.status)
                ).all()
            }
        rows = self.session.scalars(
            select(AnomalyRow).where(*where).order_by(*NEWEST_FIRST).limit(limit)
        ).all()
        return Selection(items=[to_entity(r) for r in rows], total=sum(counts.values()), counts=counts)

    def blocked(self, flt: AnomalyFilter, *, perimeter: Perimeter, limit: int) -> Selection:
        statuses = (flt.statuses & BLOCKED) if flt.statuses else BLOCKED
        if not statuses:
            return Selection([], 0, {})
        narrowed = flt.with_statuses(statuses)
        # Counts by status from anomaly_counts when the filter allows (issue 5: 1,000 digests in seconds).
        counts = SqlAnomalies(self.session, self.tz).count_by_status(narrowed, perimeter=perimeter)
        return self._select(conditions(narrowed, perimeter=perimeter, tz=self.tz), limit, counts)

    def updated(
        self, flt: AnomalyFilter, *, perimeter: Perimeter, since: datetime, until: datetime, limit: int
    ) -> Selection:
        where = conditions(flt, perimeter=perimeter, tz=self.tz)
        where += [AnomalyRow.updated_at > since, AnomalyRow.updated_at <= until]
        return self._select(where, limit)
