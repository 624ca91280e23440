"""What the domain asks of the outside world: stores, a clock. Storage and test fakes implement them."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, Self, TypeVar

from domain.anomaly import Anomaly
from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.events import DomainEvent
from domain.filters import AnomalyFilter
from domain.habilitation import Group, Perimeter
from domain.statuses import Status

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware, UTC."""
        ...


class AnomalyRepository(Protocol):
    def allocate_references(self, count: int) -> list[str]:
        """Fresh `ANO_` references, never handed out before, even to concurrent transactions."""
        ...

    def add(self, anomaly: Anomaly) -> None: ...

    def get(self, reference: str, *, perimeter: Perimeter | None, for_update: bool = False) -> Anomaly:
        """The anomaly if it lies in `perimeter` (None: any), else AnomalyNotFound."""
        ...

    def save(self, anomaly: Anomaly) -> None:
        """Persist status, recipient, last modification and the new history entries."""
        ...

    def page(self, flt: AnomalyFilter, *, perimeter: Perimeter, page: int, size: int) -> Page[Anomaly]:
        """Newest modification first; `total` counts every match."""
        ...

    def iterate(self, flt: AnomalyFilter, *, perimeter: Perimeter) -> Iterator[Anomaly]:
        """Every match, newest first, in batches (exports)."""
        ...

    def count_by_status(self, flt: AnomalyFilter, *, perimeter: Perimeter) -> dict[Status, int]: ...

    def open_count_for_resource(self, kind: ResourceKind, resource_id: str) -> int: ...

    def for_resource(
        self, resource_id: str, *, statuses: frozenset[Status], for_update: bool = False
    ) -> list[Anomaly]: ...


class DirectoryRepository(Protocol):
    def get(self, kind: ResourceKind, resource_id: str) -> Resource | None: ...

    def offers_of(self, structure_id: str) -> list[Resource]: ...

    def upsert(self, resource: Resource) -> bool:
        """Insert or update in place; True when the resource is new."""
        ...

    def count(self) -> int: ...

    def is_empty(self) -> bool:
        """True while no resource at all has been loaded."""
        ...


class GroupRepository(Protocol):
    def get(self, name: str) -> Group | None: ...

    def add(self, group: Group) -> None: ...

    def save(self, group: Group) -> None: ...

    def list(self) -> list[Group]: ...

    def group_of(self, email: str) -> Group | None: ...


class DeclarationLog(Protocol):
    """Remembers which anomalies a declaration created, so a replayed submission creates nothing."""

    def find(self, key: str) -> list[str] | None: ...

    def record(self, key: str, references: Sequence[str]) -> None: ...


class Outbox(Protocol):
    """Events committed with the change that caused them, delivered later (notifications)."""

    def add(self, events: Sequence[DomainEvent]) -> None: ...


class UnitOfWork(Protocol):
    # Read-only members, so a store's concrete repositories satisfy the protocol.
    @property
    def anomalies(self) -> AnomalyRepository: ...

    @property
    def directory(self) -> DirectoryRepository: ...

    @property
    def groups(self) -> GroupRepository: ...

    @property
    def declarations(self) -> DeclarationLog: ...

    @property
    def outbox(self) -> Outbox: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *args: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
