"""What the domain asks of the outside world: stores, a clock, Slack for digests, the ROR national.
Storage, the bot's adapters, the `rornational` adapter and the test fakes implement them."""

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, Self, TypeVar

from domain.anomaly import Anomaly
from domain.catalogue import ResourceKind
from domain.digests import Claim, Digest, PostedCheck, PostResult, RunStatus, Selection
from domain.directory import Resource, WrongRecipient
from domain.events import AnomaliesImported, DomainEvent
from domain.filters import AnomalyFilter
from domain.habilitation import Group, Perimeter
from domain.ror_journal import JournalEntry, JournalOperation
from domain.rornational import DirectoryPage, RemoteTask, Submitted, TaskDraft, TaskPage, Watermark
from domain.statuses import Status
from domain.subscriptions import Subscription

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

    def add_all(self, anomalies: Sequence[Anomaly]) -> None:
        """Like `add` for each, in as few statements as the store can (a declaration of several items)."""
        ...

    def get(self, reference: str, *, perimeter: Perimeter | None, for_update: bool = False) -> Anomaly:
        """The anomaly if it lies in `perimeter` (None: any), else AnomalyNotFound. `reference` is the
        local one (`ANO_…`, provisional in connected mode) or the one the ROR national gave it."""
        ...

    def by_task_id(self, task_id: str, *, for_update: bool = False) -> Anomaly | None:
        """The anomaly following that Task of the ROR national (connected mode), None when none does."""
        ...

    def save(self, anomaly: Anomaly) -> None:
        """Persist status, recipient, last modification, its Task's fields (`ror_*`) and the new history
        entries."""
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

    # -- following the ROR national (domain.services.ror_sync) --

    def add_imported(self, anomalies: Sequence[Anomaly]) -> list[Anomaly]:
        """Store anomalies synced from the ROR national (each with its `ror_task_id`), leaving out those
        whose Task is already stored (another instance imported it meanwhile); returns those stored."""
        ...

    def by_task_ids(self, task_ids: Sequence[str], *, for_update: bool = False) -> dict[str, Anomaly]:
        """The anomalies of these Tasks that we hold, by Task id."""
        ...

    def awaiting_task(self, resource_ids: Sequence[str]) -> list[Anomaly]:
        """Anomalies on these resources waiting to be sent (`RorState.PENDING`, no Task recorded yet)."""
        ...

    def wrong_recipients(self) -> list[WrongRecipient]:
        """Anomalies in 11 Bloquée (destinataire erroné), per resource and recipient, oldest first."""
        ...

    def discard(self, reference: str) -> None:
        """Forget an anomaly the ROR national refused as it was declared (connected mode): it, its
        history and its journal entries are deleted, as if it had never been declared."""
        ...


class DirectoryRepository(Protocol):
    def get(self, kind: ResourceKind, resource_id: str) -> Resource | None: ...

    def get_pairs(self, keys: Sequence[tuple[ResourceKind, str]]) -> dict[tuple[ResourceKind, str], Resource]:
        """The resources found among `keys` (a structure and its offer: one lookup instead of two)."""

    def get_many(self, kind: ResourceKind, resource_ids: Sequence[str]) -> dict[str, Resource]:
        """Those of these resources the directory holds, by identifier (one lookup for a page of Tasks)."""
        ...

    def upsert(self, resource: Resource) -> bool:
        """Insert or update in place; True when the resource is new."""
        ...

    def count(self) -> int: ...

    def is_empty(self) -> bool:
        """True while no resource at all has been loaded."""
        ...

    def watermark(self, origin: str) -> Watermark | None:
        """The latest `meta.lastUpdated` a complete pull of the directory at `origin` saw; None before the first."""
        ...

    def move_watermark(self, origin: str, mark: Watermark, *, at: datetime) -> None: ...


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


class ReplayLog(Protocol):
    """The requests already acted on, remembered while a copy of them could still be accepted."""

    def remember(self, key: str, *, now: datetime, until: datetime) -> bool:
        """Remember `key` until `until`; False when it is already remembered (the same request again).
        Keys whose time has passed are forgotten."""
        ...


class RorJournal(Protocol):
    """Connected mode: the operations still to send to the ROR national (domain.ror_journal)."""

    def add(
        self,
        reference: str,
        operation: JournalOperation,
        *,
        at: datetime,
        payload: dict[str, str] | None = None,
    ) -> int:
        """A new pending entry, due at once; returns its id."""
        ...

    def lease(
        self, *, now: datetime, lease: timedelta, limit: int, ids: Sequence[int] | None = None
    ) -> list[JournalEntry]:
        """The pending entries due at `now` (only `ids` when given), leased until `now + lease`: no other
        sender takes them meanwhile; a crashed send is taken over once the lease has run out. Each lease
        counts as one attempt."""
        ...

    def done(self, entry_id: int, *, at: datetime) -> None: ...

    def retry(self, entry_id: int, *, error: str, next_attempt_at: datetime) -> None: ...

    def refuse(self, entry_id: int, *, error: str, at: datetime) -> None: ...

    def drop(self, reference: str, operation: JournalOperation, *, at: datetime) -> int:
        """Pending entries of that operation on that anomaly are no longer needed; returns how many."""
        ...

    def pending(self, reference: str) -> list[JournalOperation]:
        """The operations still waiting to be sent for that anomaly, oldest first."""
        ...

    def pending_ids(self, references: Sequence[str], operation: JournalOperation) -> list[int]:
        """The ids of the pending entries of that operation on those anomalies."""
        ...

    def count_pending(self) -> int: ...


class Outbox(Protocol):
    """Events committed with the change that caused them, delivered later (notifications)."""

    def add(self, events: Sequence[DomainEvent]) -> None: ...


class AnomalyImport(Protocol):
    """One transaction of a bulk import (domain.services.bulk_import): set-wise lookups and inserts."""

    def __enter__(self) -> Self: ...

    def __exit__(self, *args: object) -> None: ...

    def resources(
        self, wanted: Collection[tuple[ResourceKind, str]]
    ) -> dict[tuple[ResourceKind, str], Resource]:
        """The directory's resources among `wanted` (kind, ID), whatever the perimeter."""
        ...

    def directory_is_empty(self) -> bool: ...

    def known_keys(self, keys: Collection[str]) -> set[str]:
        """The import keys among `keys` that already created an anomaly."""
        ...

    def allocate_references(self, count: int) -> list[str]:
        """As AnomalyRepository.allocate_references, in one round trip."""
        ...

    def add(self, anomalies: Sequence[tuple[str, Anomaly]], *, send_to_ror: bool = False) -> set[str]:
        """Store new anomalies (history, counters, their events in the outbox) with their import keys;
        returns the keys stored. A key another transaction stored first (a concurrent import of the same
        line) is left out, and so is its anomaly. `send_to_ror`: each one's POST goes to the ROR national
        journal too (connected mode)."""
        ...

    def tell_declarant(self, event: AnomaliesImported) -> None:
        """The import's summary, to the outbox."""
        ...

    def commit(self) -> None: ...


# --- digests (SPEC §6) ----------------------------------------------------------------------------


class SubscriptionRepository(Protocol):
    def add(self, subscription: Subscription) -> Subscription:
        """Stores a new subscription; returns it with its id."""
        ...

    def of_channel(self, channel_id: str) -> list[Subscription]:
        """Active subscriptions of a channel, oldest first."""
        ...

    def active(self) -> list[Subscription]: ...

    def get(self, subscription_id: int) -> Subscription | None: ...

    def deactivate(self, subscription_id: int, *, reason: str) -> None: ...


class DigestRuns(Protocol):
    """The record of digests posted, which makes each (subscription, period) posted at most once."""

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
        """Take (subscription, period_end) unless another run holds it, posted it, or gave up on it. A
        claim older than `stale_before` (crashed run) or a failed one is taken over. The claim carries
        the « mises à jour » window: from the previous digest's end to a watermark before which every
        transaction has committed (see storage.repositories.digests)."""
        ...

    def finish(
        self, claim: Claim, *, status: RunStatus, at: datetime, ts: str | None = None, error: str = ""
    ) -> None: ...

    def window(
        self, subscription: Subscription, *, now: datetime, margin: timedelta
    ) -> tuple[datetime, datetime]:
        """(since, until) for a digest posted outside the schedule (`/ror digest`); records nothing."""
        ...


class DigestQueries(Protocol):
    def blocked(self, flt: AnomalyFilter, *, perimeter: Perimeter, limit: int) -> Selection:
        """Anomalies currently in 04 or 11 (and in the filter)."""
        ...

    def updated(
        self, flt: AnomalyFilter, *, perimeter: Perimeter, since: datetime, until: datetime, limit: int
    ) -> Selection:
        """Anomalies of the filter whose last status change is in (since, until]."""
        ...


class DigestPoster(Protocol):
    """Slack, as the digest services see it. Rate limits (HTTP 429, Retry-After) are handled inside."""

    def post_digest(self, digest: Digest, subscription: Subscription) -> PostResult:
        """Post `digest` to the subscription's channel, marked as the digest of (subscription, period) so
        `find_posted` can find it. Never retried blindly: an unanswered post is UNCERTAIN."""
        ...

    def find_posted(self, subscription: Subscription, period_end: datetime) -> PostedCheck:
        """The channel's message holding the digest of (subscription, period_end), if it is there."""
        ...

    def tell_creator(self, subscription: Subscription, text: str) -> None:
        """A direct message to the subscription's creator (best effort)."""
        ...


# --- the unit of work ----------------------------------------------------------------------------


class UnitOfWork(Protocol):
    """One transaction over every repository, all or nothing.

    The repositories remember the anomalies they handed out or were given; `commit` writes the events
    those anomalies recorded (their status changes, …) to the outbox in the same transaction. Services
    change things and commit; nobody copies events to the outbox by hand."""

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

    @property
    def ror_journal(self) -> RorJournal: ...

    @property
    def replays(self) -> ReplayLog: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def digest_runs(self) -> DigestRuns: ...

    @property
    def digest_queries(self) -> DigestQueries: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *args: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class RorNational(Protocol):
    """The ROR national's anomaly API (RORTask). Every method raises `RorNationalUnavailable` (retry
    later), `RorNationalRefused` (the ROR's reason; not worth retrying) or
    `RorNationalAuthenticationRefused` (configuration); never a transport error."""

    def submit(self, draft: TaskDraft) -> Submitted:
        """POST one new Task (businessStatus 01). An `RorNationalUnavailable` does not say whether the
        Task was created: look for it with `find_by_focus` before sending it again."""
        ...

    def get(self, task_id: str) -> RemoteTask: ...

    def find_by_focus(self, kind: ResourceKind, resource_id: str) -> list[RemoteTask]:
        """Every Task on that resource, whoever declared it (every page)."""
        ...

    def changed_since(self, since: Watermark | None, *, scope: Perimeter) -> Iterator[TaskPage]:
        """Tasks whose `meta.lastUpdated` ≥ `since` (all when None) on resources of `scope`, page by page."""
        ...

    def set_status(self, task_id: str, status: Status, *, version: str | None = None) -> Submitted:
        """PATCH `Task.businessStatus`; with `version`, only if the Task is still at that version
        (`RorNationalVersionConflict` otherwise)."""
        ...


class RorDirectory(Protocol):
    """The ROR national's directory (FHIR base of structures and offers), as Bundles the directory
    importer reads. Same failures as `RorNational`."""

    def pull_directory(self, since: Watermark | None) -> Iterator[DirectoryPage]:
        """Offers (with their structure, locations, roles, practitioners) and structures changed since
        `since` (everything when None), page by page."""
        ...

    def fetch_structure(self, structure_id: str) -> DirectoryPage | None:
        """One structure by its ID National Structure; None when the ROR does not know it."""
        ...

    def fetch_offer(self, offer_id: str) -> DirectoryPage | None:
        """One offer with its structure, locations and roles; None when the ROR does not know it."""
        ...

    def fetch_offers_of(self, structure_id: str) -> Iterator[DirectoryPage]:
        """Every offer of one structure, with the same includes."""
        ...


class LiveLookup(Protocol):
    """Asked when a user names a structure or an offer our directory does not hold yet."""

    def bring_in(self, kind: ResourceKind, resource_id: str) -> bool:
        """Look it up in the ROR national's directory and keep it: True when the ROR knows it, False when
        it does not. `RorNationalError` when it could not be asked (down, refused, or no answer in the
        time the caller can wait); `UnreadableDirectoryResource` when its description cannot be read."""
        ...
