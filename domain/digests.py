"""A digest (SPEC §6): what one message to a channel reports for one period (the ports the digest
services need are in domain.ports)."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.anomaly import Anomaly
from domain.filters import AnomalyFilter
from domain.schedule import Cadence
from domain.statuses import BLOCKED, Status

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
    FAILED = "failed"  # Slack answered that it did not post (down, rate limit beyond the retries): retried
    # The post left but no answer came back (timeout, connection lost): the digest may be in the channel.
    # Before any new attempt the channel is searched for it (DigestPoster.find_posted).
    UNCERTAIN = "uncertain"


@dataclass(frozen=True, slots=True)
class PostResult:
    outcome: PostOutcome
    ts: str | None = None
    error: str = ""


class RunStatus(StrEnum):
    CLAIMED = "claimed"
    POSTED = "posted"
    EMPTY = "empty"  # nothing to report: done, the window advances, nothing posted
    FAILED = "failed"  # retried at the next run, a few times
    UNCERTAIN = "uncertain"  # posted without confirmation: searched for in the channel, then retried
    ABANDONED = "abandoned"  # channel gone or creator no longer habilitated


@dataclass(frozen=True, slots=True)
class PostedCheck:
    """Whether a (subscription, period) digest is already in its channel: `ts` of its message when found;
    `error` when the search itself failed, so nobody knows (and nothing may be posted)."""

    ts: str | None = None
    error: str = ""

    @property
    def found(self) -> bool:
        return self.ts is not None


@dataclass(frozen=True, slots=True)
class Claim:
    """A (subscription, period) this process owns until it records the outcome."""

    id: int
    subscription_id: int
    period_end: datetime
    since: datetime
    until: datetime
    # An earlier attempt may have reached the channel (it crashed, or its post went unconfirmed): the
    # channel is searched for the digest before posting it.
    check_channel_first: bool = False
