"""In-memory implementations of the domain's ports, for fast unit tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Self
from zoneinfo import ZoneInfo

from domain.anomaly import Anomaly
from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.errors import AnomalyNotFound
from domain.events import DomainEvent
from domain.filters import AnomalyFilter, matches
from domain.habilitation import Group, Perimeter
from domain.ports import Page
from domain.statuses import OPEN, Status

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

    def allocate_references(self, count: int) -> list[str]:
        refs = [f"ANO_{self.next_number + i:012d}" for i in range(count)]
        self.next_number += count
        return refs

    def add(self, anomaly: Anomaly) -> None:
        self.save(anomaly)

    def save(self, anomaly: Anomaly) -> None:
        stored = copy.deepcopy(anomaly)
        stored.events = []
        stored.stored_history = len(stored.history)
        anomaly.stored_history = len(anomaly.history)
        self.rows[anomaly.reference] = stored

    def get(self, reference: str, *, perimeter: Perimeter | None, for_update: bool = False) -> Anomaly:
        found = self.rows.get(reference)
        if found is None or (perimeter is not None and not perimeter.contains(found.region)):
            raise AnomalyNotFound(reference)
        return copy.deepcopy(found)

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
        return [
            copy.deepcopy(a)
            for a in self.rows.values()
            if a.resource_id == resource_id and a.status in statuses
        ]


class FakeDirectory:
    def __init__(self, resources: Sequence[Resource] = ()) -> None:
        self.rows: dict[tuple[ResourceKind, str], Resource] = {}
        for resource in resources:
            self.upsert(resource)

    def get(self, kind: ResourceKind, resource_id: str) -> Resource | None:
        found = self.rows.get((kind, resource_id))
        return copy.deepcopy(found) if found else None

    def offers_of(self, structure_id: str) -> list[Resource]:
        return [
            copy.deepcopy(r)
            for r in self.rows.values()
            if r.kind is ResourceKind.OFFRE and r.structure_id == structure_id
        ]

    def upsert(self, resource: Resource) -> bool:
        key = (resource.kind, resource.resource_id)
        is_new = key not in self.rows
        self.rows[key] = copy.deepcopy(resource)
        return is_new

    def count(self) -> int:
        return len(self.rows)

    def is_empty(self) -> bool:
        return not self.rows


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


class FakeOutbox:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def add(self, events: Sequence[DomainEvent]) -> None:
        self.events.extend(events)


class FakeUnitOfWork:
    """Commits are all-or-nothing: a rollback restores what the last commit saw."""

    def __init__(self, resources: Sequence[Resource] = ()) -> None:
        self.anomalies = FakeAnomalies()
        self.directory = FakeDirectory(resources)
        self.groups = FakeGroups()
        self.declarations = FakeDeclarations()
        self.outbox = FakeOutbox()
        self.commits = 0
        self._snapshot = self._state()

    def _state(self) -> tuple[object, ...]:
        return copy.deepcopy(
            (
                self.anomalies.rows,
                self.anomalies.next_number,
                self.directory.rows,
                self.groups.rows,
                self.declarations.rows,
                self.outbox.events,
            )
        )

    def __enter__(self) -> Self:
        self._snapshot = self._state()
        return self

    def __exit__(self, *args: object) -> None:
        self.rollback()

    def commit(self) -> None:
        self.commits += 1
        self._snapshot = self._state()

    def rollback(self) -> None:
        (
            self.anomalies.rows,
            self.anomalies.next_number,
            self.directory.rows,
            self.groups.rows,
            self.declarations.rows,
            self.outbox.events,
        ) = copy.deepcopy(self._snapshot)  # type: ignore[assignment]
