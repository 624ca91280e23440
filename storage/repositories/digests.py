"""The record of digest runs, and the questions a digest asks (SPEC §6).

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

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from domain.digests import Claim, RunStatus, Selection
from domain.filters import AnomalyFilter
from domain.habilitation import Perimeter
from domain.statuses import BLOCKED, Status
from domain.subscriptions import Subscription
from storage.conditions import NameIds, conditions, count_conditions, names_containing
from storage.models import AnomalyRow, DigestRunRow
from storage.repositories.anomalies import (
    ANOMALY_TABLE,
    NEWEST_FIRST,
    SqlAnomalies,
    count_rows_by_status,
    to_entity,
)

DONE = (RunStatus.POSTED.value, RunStatus.EMPTY.value)
# From this many blocked anomalies matching a name, the first items are found walking the blocked ones by date.
WALK_BLOCKED_FROM = 1000


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
    ) -> tuple[int, bool] | None:
        """(run id, whether the channel must be searched first) when this run takes the claim over."""
        row = self.session.scalars(
            select(DigestRunRow).where(
                DigestRunRow.subscription_id == subscription_id, DigestRunRow.period_end == period_end
            )
        ).one_or_none()
        if row is None:
            return None
        stale = row.status == RunStatus.CLAIMED and row.claimed_at < stale_before
        uncertain = row.status == RunStatus.UNCERTAIN
        retry = row.status in (RunStatus.FAILED, RunStatus.UNCERTAIN) and row.attempts < max_attempts
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
        # A crashed run may have posted before dying; an uncertain post may have reached the channel.
        return (row.id, stale or uncertain) if result.rowcount == 1 else None

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
        check_first = False
        if run_id is None:
            taken = self._take_over(
                subscription.id, period_end, now=now, stale_before=stale_before, max_attempts=max_attempts
            )
            if taken is None:
                return None
            run_id, check_first = taken
            self.session.execute(
                update(DigestRunRow).where(DigestRunRow.id == run_id).values(since=since, until=until)
            )
        return Claim(
            id=run_id,
            subscription_id=subscription.id,
            period_end=period_end,
            since=since,
            until=until,
            check_channel_first=check_first,
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
        # The ids of the names containing a text, looked up once per unit of work: a digest filtering on a
        # name asks four questions of the same names (thousands for a common word).
        self._names: dict[str, NameIds] = {}

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _where(self, flt: AnomalyFilter, perimeter: Perimeter, *, narrower_than_name: bool) -> list[Any]:
        name_ids = None
        if flt.name_contains:
            name_ids = self._names.get(flt.name_contains)
            if name_ids is None:
                found = self.session.connection().execute(
                    names_containing(flt.name_contains, dialect=self._dialect)
                )
                name_ids = self._names[flt.name_contains] = NameIds(found.scalars().all())
        return conditions(
            flt,
            perimeter=perimeter,
            tz=self.tz,
            dialect=self._dialect,
            narrower_than_name=narrower_than_name,
            name_ids=name_ids,
        )

    def _select(self, where: list[Any], limit: int, counts: dict[Status, int] | None = None) -> Selection:
        if counts is None:
            counts = count_rows_by_status(self.session.connection(), where)
        # Core rows (same attribute names as AnomalyRow): read-only, no ORM identity map to fill.
        rows = (
            self.session.connection()
            .execute(select(ANOMALY_TABLE).where(*where).order_by(*NEWEST_FIRST).limit(limit))
            .all()
        )
        return Selection(items=[to_entity(r) for r in rows], total=sum(counts.values()), counts=counts)

    def blocked(self, flt: AnomalyFilter, *, perimeter: Perimeter, limit: int) -> Selection:
        statuses = (flt.statuses & BLOCKED) if flt.statuses else BLOCKED
        if not statuses:
            return Selection([], 0, {})
        narrowed = flt.with_statuses(statuses)
        # Counts by status from anomaly_counts when the filter allows (issue 5: 1,000 digests in seconds).
        if count_conditions(narrowed, perimeter=perimeter) is not None:
            counts = SqlAnomalies(self.session, self.tz).count_by_status(narrowed, perimeter=perimeter)
        else:
            counts = count_rows_by_status(
                self.session.connection(), self._where(narrowed, perimeter, narrower_than_name=False)
            )
        # A name search matching many blocked anomalies: walking the blocked ones newest first finds the
        # first items within a few thousand rows, where the name index would read every anomaly of every
        # matching name (tens of thousands for « hôpital ») to sort them. Few matches: the name index.
        walk = sum(counts.values()) >= WALK_BLOCKED_FROM
        return self._select(self._where(narrowed, perimeter, narrower_than_name=walk), limit, counts)

    def updated(
        self, flt: AnomalyFilter, *, perimeter: Perimeter, since: datetime, until: datetime, limit: int
    ) -> Selection:
        # The period (a day or a week of changes) selects fewer rows than a name search for a common word.
        where = self._where(flt, perimeter, narrower_than_name=True)
        where += [AnomalyRow.updated_at > since, AnomalyRow.updated_at <= until]
        return self._select(where, limit)
