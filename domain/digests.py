"""A digest (SPEC §6): what one message to a channel reports for one period, and the ports the digest
services need from the store and from Slack."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, Self
from zoneinfo import ZoneInfo

from domain.anomaly import Anomaly
from domain.filters import AnomalyFilter
from domain.habilitation import Perimeter
from domain.ports import GroupRepository, Outbox
from domain.schedule import Cadence
from domain.statuses import BLOCKED, Status
from domain.subscriptions import Subscription

FIRST_ITEMS = 10


class SectionKind(StrEnum):
    BLOCKED = "bloquees"
    UPDATED = "mises_a_jour"

    @property
    def heading(self) -> str:
        return "Anomalies bloquées" if self is SectionKind.BLOCKED else "Anomalies mises à jour"


@dataclass(frozen=True, slots=True)
class Selection:
    """What the store answers for one section: the first items (newest modification first), the
    total, and the counts by status of every match."""

    items: list[Anomaly]
    total: int
    counts: dict[Status, int]


@dataclass(frozen=True, slots=True)
class DigestSection:
    kind: SectionKind
    items: list[Anomaly]
    total: int
    counts: dict[Status, int]
    # The listing filter showing the whole section (the « … et N autres » button).
    list_filter: AnomalyFilter

    @property
    def others(self) -> int:
        return max(0, self.total - len(self.items))


@dataclass(frozen=True, slots=True)
class Digest:
    subscription_id: int | None
    channel_id: str
    cadence: Cadence
    filter: AnomalyFilter
    period_start: datetime
    period_end: datetime
    # The « mises à jour » window: status changes in (since, until].
    since: datetime
    until: datetime
    sections: list[DigestSection] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return all(section.total == 0 for section in self.sections)

    @property
    def total(self) -> int:
        return sum(section.total for section in self.sections)


def section_filter(
    kind: SectionKind, flt: AnomalyFilter, *, since: datetime, until: datetime, tz: ZoneInfo
) -> AnomalyFilter:
    """The listing filter closest to a section: blocked statuses, or the days of the window."""
    if kind is SectionKind.BLOCKED:
        statuses = (flt.statuses & BLOCKED) if flt.statuses else BLOCKED
        return flt.with_statuses(statuses)
    return replace(flt, modified_from=since.astimezone(tz).date(), modified_to=until.astimezone(tz).date())


# --- ports ------------------------------------------------------------------------------------------


class PostOutcome(StrEnum):
    POSTED = "posted"
    CHANNEL_GONE = "channel_gone"  # archived, not found, or the bot is not in it: never retried
    FAILED = "failed"  # anything else (Slack down, rate limit beyond the retries): retried later


@dataclass(frozen=True, slots=True)
class PostResult:
    outcome: PostOutcome
    ts: str | None = None
    error: str = ""


class DigestPoster(Protocol):
    """Slack, as the digest services see it. Rate limits (HTTP 429, Retry-After) are handled inside."""

    def post_digest(self, digest: Digest, subscription: Subscription) -> PostResult: ...

    def tell_creator(self, subscription: Subscription, text: str) -> None:
        """A direct message to the subscription's creator (best effort)."""
        ...


class RunStatus(StrEnum):
    CLAIMED = "claimed"
    POSTED = "posted"
    EMPTY = "empty"  # nothing to report: done, the window advances, nothing posted
    FAILED = "failed"  # retried at the next run, a few times
    ABANDONED = "abandoned"  # channel gone or creator no longer habilitated


@dataclass(frozen=True, slots=True)
class Claim:
    """A (subscription, period) this process owns until it records the outcome."""

    id: int
    subscription_id: int
    period_end: datetime
    since: datetime
    until: datetime


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
        transaction has committed (see storage.subscriptions)."""
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


class DigestUnitOfWork(Protocol):
    # Read-only members, so a unit of work holding concrete repositories satisfies the protocol.
    @property
    def groups(self) -> GroupRepository: ...

    @property
    def outbox(self) -> Outbox: ...

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
