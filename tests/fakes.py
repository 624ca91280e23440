"""In-memory implementations of the domain's ports, for fast unit tests.

The digest repositories (subscriptions, runs, queries) write through at once (no rollback): the digest
services commit each step."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Self
from zoneinfo import ZoneInfo

from domain.anomaly import Anomaly, RorState
from domain.catalogue import ResourceKind
from domain.digests import Claim, RunStatus, Selection
from domain.directory import Resource, WrongRecipient
from domain.errors import AnomalyNotFound
from domain.events import DomainEvent
from domain.filters import AnomalyFilter, matches
from domain.habilitation import Group, Perimeter
from domain.identifiers import Reference
from domain.ports import Page
from domain.ror_journal import JournalEntry, JournalOperation, JournalState
from domain.rornational import Watermark
from domain.statuses import BLOCKED, OPEN, Status
from domain.subscriptions import Subscription

PARIS = ZoneInfo("Europe/Paris")


class FixedClock:
    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime(2026, 1, 15, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        self.at += timedelta(**kwargs)


class FakeAnomalies:
    def __init__(self) -> None:
        self.rows: dict[str, Anomaly] = {}
        self.next_number = 100_000_000_000
        # Handed out one by one or added: the unit of work publishes their events on commit.
        self.seen: list[Anomaly] = []

    def allocate_references(self, count: int) -> list[str]:
        refs = [f"ANO_{self.next_number + i:012d}" for i in range(count)]
        self.next_number += count
        return refs

    def add(self, anomaly: Anomaly) -> None:
        self.save(anomaly)
        self.seen.append(anomaly)

    def add_all(self, anomalies: Sequence[Anomaly]) -> None:
        for anomaly in anomalies:
            self.add(anomaly)

    def save(self, anomaly: Anomaly) -> None:
        stored = copy.deepcopy(anomaly)
        stored.events = []
        stored.stored_history = len(stored.history)
        anomaly.stored_history = len(anomaly.history)
        self.rows[anomaly.reference] = stored

    def get(self, reference: str, *, perimeter: Perimeter | None, for_update: bool = False) -> Anomaly:
        text = reference.strip()
        found = self.rows.get(text) or next((a for a in self.rows.values() if a.ror_reference == text), None)
        if found is None:
            Reference.parse(text)  # InvalidReference, as the store, for what is no reference at all
        if found is None or (perimeter is not None and not perimeter.contains(found.region)):
            raise AnomalyNotFound(reference)
        anomaly = copy.deepcopy(found)
        self.seen.append(anomaly)
        return anomaly

    def by_task_id(self, task_id: str, *, for_update: bool = False) -> Anomaly | None:
        found = next((a for a in self.rows.values() if a.ror_task_id == task_id), None)
        if found is None:
            return None
        anomaly = copy.deepcopy(found)
        self.seen.append(anomaly)
        return anomaly

    def _matching(self, flt: AnomalyFilter, perimeter: Perimeter) -> list[Anomaly]:
        found = [a for a in self.rows.values() if matches(flt, a, perimeter=perimeter, tz=PARIS)]
        return sorted(found, key=lambda a: (a.updated_at, a.reference), reverse=True)

    def page(self, flt: AnomalyFilter, *, perimeter: Perimeter, page: int, size: int) -> Page[Anomaly]:
        found = self._matching(flt, perimeter)
        start = (page - 1) * size
        return Page([copy.deepcopy(a) for a in found[start : start + size]], len(found), page, size)

    def iterate(self, flt: AnomalyFilter, *, perimeter: Perimeter) -> Iterator[Anomaly]:
        yield from (copy.deepcopy(a) for a in self._matching(flt, perimeter))

    def count_by_status(self, flt: AnomalyFilter, *, perimeter: Perimeter) -> dict[Status, int]:
        counts: dict[Status, int] = {}
        for anomaly in self._matching(flt, perimeter):
            counts[anomaly.status] = counts.get(anomaly.status, 0) + 1
        return counts

    def open_count_for_resource(self, kind: ResourceKind, resource_id: str) -> int:
        return sum(
            1
            for a in self.rows.values()
            if a.kind is kind and a.resource_id == resource_id and a.status in OPEN
        )

    def for_resource(
        self, resource_id: str, *, statuses: frozenset[Status], for_update: bool = False
    ) -> list[Anomaly]:
        found = [
            copy.deepcopy(a)
            for a in self.rows.values()
            if a.resource_id == resource_id and a.status in statuses
        ]
        self.seen += found
        return found

    def add_imported(self, anomalies: Sequence[Anomaly]) -> list[Anomaly]:
        held = {a.ror_task_id for a in self.rows.values() if a.ror_task_id}
        stored = []
        for anomaly in anomalies:
            if anomaly.ror_task_id in held:
                continue
            held.add(anomaly.ror_task_id)
            self.add(anomaly)
            stored.append(anomaly)
        return stored

    def by_task_ids(self, task_ids: Sequence[str], *, for_update: bool = False) -> dict[str, Anomaly]:
        wanted = set(task_ids)
        found = {
            a.ror_task_id: copy.deepcopy(a)
            for a in self.rows.values()
            if a.ror_task_id is not None and a.ror_task_id in wanted
        }
        self.seen += found.values()
        return found

    def awaiting_task(self, resource_ids: Sequence[str]) -> list[Anomaly]:
        wanted = set(resource_ids)
        found = [
            copy.deepcopy(a)
            for a in self.rows.values()
            if a.ror_task_id is None and a.ror_state is RorState.PENDING and a.resource_id in wanted
        ]
        self.seen += found
        return found

    def discard(self, reference: str) -> None:
        self.rows.pop(reference, None)
        for seen in self.seen:
            if seen.reference == reference:
                seen.pull_events()

    def wrong_recipients(self) -> list[WrongRecipient]:
        groups: dict[tuple[ResourceKind, str, str], list[Anomaly]] = {}
        for anomaly in self.rows.values():
            if anomaly.status is Status.BLOCKED_WRONG_RECIPIENT:
                key = (anomaly.kind, anomaly.resource_id, anomaly.recipient or "")
                groups.setdefault(key, []).append(anomaly)
        found = [
            WrongRecipient(
                kind=kind,
                resource_id=resource_id,
                name=blocked[0].offer_name or blocked[0].structure_name,
                recipient=recipient,
                blocked=len(blocked),
                since=min(a.updated_at for a in blocked),
            )
            for (kind, resource_id, recipient), blocked in groups.items()
        ]
        return sorted(found, key=lambda w: (w.since, w.resource_id))


class FakeDirectory:
    def __init__(self, resources: Sequence[Resource] = ()) -> None:
        self.rows: dict[tuple[ResourceKind, str], Resource] = {}
        self.watermarks: dict[str, Watermark] = {}
        for resource in resources:
            self.upsert(resource)

    def get(self, kind: ResourceKind, resource_id: str) -> Resource | None:
        found = self.rows.get((kind, resource_id))
        return copy.deepcopy(found) if found else None

    def get_pairs(self, keys: Sequence[tuple[ResourceKind, str]]) -> dict[tuple[ResourceKind, str], Resource]:
        return {key: copy.deepcopy(self.rows[key]) for key in keys if key in self.rows}

    def get_many(self, kind: ResourceKind, resource_ids: Sequence[str]) -> dict[str, Resource]:
        return {i: copy.deepcopy(self.rows[(kind, i)]) for i in set(resource_ids) if (kind, i) in self.rows}

    def upsert(self, resource: Resource) -> bool:
        key = (resource.kind, resource.resource_id)
        is_new = key not in self.rows
        self.rows[key] = copy.deepcopy(resource)
        return is_new

    def count(self) -> int:
        return len(self.rows)

    def is_empty(self) -> bool:
        return not self.rows

    def watermark(self, origin: str) -> Watermark | None:
        return self.watermarks.get(origin)

    def move_watermark(self, origin: str, mark: Watermark, *, at: datetime) -> None:
        self.watermarks[origin] = mark


class FakeGroups:
    def __init__(self) -> None:
        self.rows: dict[str, Group] = {}

    def get(self, name: str) -> Group | None:
        found = self.rows.get(name)
        return copy.deepcopy(found) if found else None

    def add(self, group: Group) -> None:
        self.rows[group.name] = copy.deepcopy(group)

    def save(self, group: Group) -> None:
        self.rows[group.name] = copy.deepcopy(group)

    def list(self) -> list[Group]:
        return [copy.deepcopy(g) for g in sorted(self.rows.values(), key=lambda g: g.name)]

    def group_of(self, email: str) -> Group | None:
        for group in self.rows.values():
            if email in group.members:
                return copy.deepcopy(group)
        return None


class FakeDeclarations:
    def __init__(self) -> None:
        self.rows: dict[str, list[str]] = {}

    def find(self, key: str) -> list[str] | None:
        return self.rows.get(key)

    def record(self, key: str, references: Sequence[str]) -> None:
        self.rows[key] = list(references)


class FakeReplayLog:
    def __init__(self) -> None:
        self.rows: dict[str, datetime] = {}

    def remember(self, key: str, *, now: datetime, until: datetime) -> bool:
        self.rows = {k: expires for k, expires in self.rows.items() if expires >= now}
        if key in self.rows:
            return False
        self.rows[key] = until
        return True


class FakeOutbox:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def add(self, events: Sequence[DomainEvent]) -> None:
        self.events.extend(events)


@dataclass
class FakeJournalRow:
    id: int
    reference: str
    operation: JournalOperation
    payload: dict[str, str]
    created_at: datetime
    next_attempt_at: datetime
    state: JournalState = JournalState.PENDING
    attempts: int = 0
    last_error: str | None = None
    claimed_until: datetime | None = None


class FakeRorJournal:
    def __init__(self) -> None:
        self.rows: dict[int, FakeJournalRow] = {}
        self._ids = count(1)

    def add(
        self,
        reference: str,
        operation: JournalOperation,
        *,
        at: datetime,
        payload: dict[str, str] | None = None,
    ) -> int:
        entry_id = next(self._ids)
        self.rows[entry_id] = FakeJournalRow(entry_id, reference, operation, dict(payload or {}), at, at)
        return entry_id

    def lease(
        self, *, now: datetime, lease: timedelta, limit: int, ids: Sequence[int] | None = None
    ) -> list[JournalEntry]:
        due = [
            r
            for r in sorted(self.rows.values(), key=lambda r: r.id)
            if r.state is JournalState.PENDING
            and r.next_attempt_at <= now
            and (r.claimed_until is None or r.claimed_until <= now)
            and (ids is None or r.id in ids)
        ][:limit]
        for row in due:
            row.attempts += 1
            row.claimed_until = now + lease
        return [
            JournalEntry(r.id, r.reference, r.operation, r.attempts, r.created_at, dict(r.payload))
            for r in due
        ]

    def done(self, entry_id: int, *, at: datetime) -> None:
        self.rows[entry_id].state = JournalState.DONE
        self.rows[entry_id].claimed_until = None

    def retry(self, entry_id: int, *, error: str, next_attempt_at: datetime) -> None:
        row = self.rows[entry_id]
        row.last_error, row.next_attempt_at, row.claimed_until = error, next_attempt_at, None

    def refuse(self, entry_id: int, *, error: str, at: datetime) -> None:
        row = self.rows[entry_id]
        row.state, row.last_error, row.claimed_until = JournalState.REFUSED, error, None

    def drop(self, reference: str, operation: JournalOperation, *, at: datetime) -> int:
        dropped = 0
        for row in self.rows.values():
            if (
                row.reference == reference
                and row.operation is operation
                and row.state is JournalState.PENDING
            ):
                row.state = JournalState.DROPPED
                dropped += 1
        return dropped

    def pending(self, reference: str) -> list[JournalOperation]:
        return [
            r.operation
            for r in sorted(self.rows.values(), key=lambda r: r.id)
            if r.reference == reference and r.state is JournalState.PENDING
        ]

    def pending_ids(self, references: Sequence[str], operation: JournalOperation) -> list[int]:
        return [
            r.id
            for r in sorted(self.rows.values(), key=lambda r: r.id)
            if r.reference in references and r.operation is operation and r.state is JournalState.PENDING
        ]

    def count_pending(self) -> int:
        return sum(1 for r in self.rows.values() if r.state is JournalState.PENDING)


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
            check_first = False
        elif (existing.status is RunStatus.CLAIMED and existing.claimed_at < stale_before) or (
            existing.status in (RunStatus.FAILED, RunStatus.UNCERTAIN) and existing.attempts < max_attempts
        ):
            check_first = existing.status is not RunStatus.FAILED
            existing.status, existing.claimed_at, existing.since, existing.until = (
                RunStatus.CLAIMED,
                now,
                since,
                until,
            )
            existing.attempts += 1
        else:
            return None
        return Claim(existing.id, subscription.id, period_end, since, until, check_first)

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


class FakeUnitOfWork:
    """Commits are all-or-nothing: a rollback restores what the last commit saw."""

    def __init__(self, resources: Sequence[Resource] = ()) -> None:
        self.anomalies = FakeAnomalies()
        self.directory = FakeDirectory(resources)
        self.groups = FakeGroups()
        self.declarations = FakeDeclarations()
        self.outbox = FakeOutbox()
        self.replays = FakeReplayLog()
        self.ror_journal = FakeRorJournal()
        self.subscriptions = FakeSubscriptions()
        self.digest_runs = FakeDigestRuns()
        self.digest_queries = FakeDigestQueries(self.anomalies)
        self.commits = 0
        self._snapshot = self._state()

    def _state(self) -> tuple[object, ...]:
        return copy.deepcopy(
            (
                self.anomalies.rows,
                self.anomalies.next_number,
                self.directory.rows,
                self.directory.watermarks,
                self.groups.rows,
                self.declarations.rows,
                self.outbox.events,
                self.replays.rows,
                self.ror_journal.rows,
            )
        )

    def __enter__(self) -> Self:
        self._snapshot = self._state()
        return self

    def __exit__(self, *args: object) -> None:
        self.rollback()

    def commit(self) -> None:
        self.outbox.add([event for anomaly in self.anomalies.seen for event in anomaly.pull_events()])
        self.anomalies.seen.clear()
        self.commits += 1
        self._snapshot = self._state()

    def rollback(self) -> None:
        self.anomalies.seen.clear()
        (
            self.anomalies.rows,
            self.anomalies.next_number,
            self.directory.rows,
            self.directory.watermarks,
            self.groups.rows,
            self.declarations.rows,
            self.outbox.events,
            self.replays.rows,
            self.ror_journal.rows,
        ) = copy.deepcopy(self._snapshot)  # type: ignore[assignment]
