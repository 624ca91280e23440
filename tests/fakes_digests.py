"""In-memory digest ports (subscriptions, runs, queries) and a recording poster, for unit tests.

These repositories write through at once (no rollback): the digest services commit each step."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from domain.digests import Claim, Digest, PostOutcome, PostResult, RunStatus, Selection
from domain.filters import AnomalyFilter, matches
from domain.habilitation import Perimeter
from domain.statuses import BLOCKED
from domain.subscriptions import Subscription
from tests.fakes import PARIS, FakeAnomalies, FakeUnitOfWork


class FakeSubscriptions:
    def __init__(self) -> None:
        self.rows: dict[int, Subscription] = {}
        self._ids = count(1)

    def add(self, subscription: Subscription) -> Subscription:
        subscription.id = next(self._ids)
        self.rows[subscription.id] = copy.deepcopy(subscription)
        return subscription

    def of_channel(self, channel_id: str) -> list[Subscription]:
        return [copy.deepcopy(s) for s in self.rows.values() if s.channel_id == channel_id and s.active]

    def active(self) -> list[Subscription]:
        return [copy.deepcopy(s) for s in self.rows.values() if s.active]

    def get(self, subscription_id: int) -> Subscription | None:
        found = self.rows.get(subscription_id)
        return copy.deepcopy(found) if found else None

    def deactivate(self, subscription_id: int, *, reason: str) -> None:
        self.rows[subscription_id].active = False
        self.rows[subscription_id].disabled_reason = reason


@dataclass
class FakeRun:
    id: int
    subscription_id: int
    period_end: datetime
    status: RunStatus
    claimed_at: datetime
    since: datetime
    until: datetime
    attempts: int = 1
    ts: str | None = None


class FakeDigestRuns:
    def __init__(self) -> None:
        self.rows: list[FakeRun] = []

    def window(
        self, subscription: Subscription, *, now: datetime, margin: timedelta
    ) -> tuple[datetime, datetime]:
        done = [
            r.until
            for r in self.rows
            if r.subscription_id == subscription.id and r.status in (RunStatus.POSTED, RunStatus.EMPTY)
        ]
        since = max(done, default=subscription.created_at)
        return since, max(since, now - margin)

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
        existing = next(
            (r for r in self.rows if r.subscription_id == subscription.id and r.period_end == period_end),
            None,
        )
        if existing is None:
            existing = FakeRun(
                len(self.rows) + 1, subscription.id, period_end, RunStatus.CLAIMED, now, since, until
            )
            self.rows.append(existing)
        elif (existing.status is RunStatus.CLAIMED and existing.claimed_at < stale_before) or (
            existing.status is RunStatus.FAILED and existing.attempts < max_attempts
        ):
            existing.status, existing.claimed_at, existing.since, existing.until = (
                RunStatus.CLAIMED,
                now,
                since,
                until,
            )
            existing.attempts += 1
        else:
            return None
        return Claim(existing.id, subscription.id, period_end, since, until)

    def finish(
        self, claim: Claim, *, status: RunStatus, at: datetime, ts: str | None = None, error: str = ""
    ) -> None:
        run = self.rows[claim.id - 1]
        run.status, run.ts = status, ts


class FakeDigestQueries:
    def __init__(self, anomalies: FakeAnomalies) -> None:
        self.anomalies = anomalies

    def _select(self, found: list, limit: int) -> Selection:  # type: ignore[type-arg]
        found = sorted(found, key=lambda a: (a.updated_at, a.reference), reverse=True)
        counts: dict = {}  # type: ignore[type-arg]
        for anomaly in found:
            counts[anomaly.status] = counts.get(anomaly.status, 0) + 1
        return Selection([copy.deepcopy(a) for a in found[:limit]], len(found), counts)

    def blocked(self, flt: AnomalyFilter, *, perimeter: Perimeter, limit: int) -> Selection:
        statuses = (flt.statuses & BLOCKED) if flt.statuses else BLOCKED
        flt = flt.with_statuses(statuses)
        found = [
            a
            for a in self.anomalies.rows.values()
            if statuses and matches(flt, a, perimeter=perimeter, tz=PARIS)
        ]
        return self._select(found, limit)

    def updated(
        self, flt: AnomalyFilter, *, perimeter: Perimeter, since: datetime, until: datetime, limit: int
    ) -> Selection:
        found = [
            a
            for a in self.anomalies.rows.values()
            if matches(flt, a, perimeter=perimeter, tz=PARIS) and since < a.updated_at <= until
        ]
        return self._select(found, limit)


class FakeDigestUnitOfWork(FakeUnitOfWork):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.subscriptions = FakeSubscriptions()
        self.digest_runs = FakeDigestRuns()
        self.digest_queries = FakeDigestQueries(self.anomalies)


@dataclass
class RecordingPoster:
    """Records digests; answers `outcomes` in turn (then POSTED)."""

    outcomes: list[PostResult] = field(default_factory=list)
    posted: list[Digest] = field(default_factory=list)
    told: list[tuple[str, str]] = field(default_factory=list)

    def post_digest(self, digest: Digest, subscription: Subscription) -> PostResult:
        result = (
            self.outcomes.pop(0)
            if self.outcomes
            else PostResult(PostOutcome.POSTED, ts=f"{len(self.posted)}.0")
        )
        if result.outcome is PostOutcome.POSTED:
            self.posted.append(digest)
        return result

    def tell_creator(self, subscription: Subscription, text: str) -> None:
        self.told.append((subscription.creator_user_id, text))
