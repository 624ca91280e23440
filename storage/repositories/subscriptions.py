"""Digest subscriptions of channels (SPEC §6)."""

from datetime import UTC, datetime, time

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.filters import parse_filter_words
from domain.schedule import Cadence, Schedule
from domain.subscriptions import Subscription
from storage.models import SubscriptionRow


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
