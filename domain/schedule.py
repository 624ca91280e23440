"""When a digest is due (SPEC §6): pure computation on local wall-clock times, DST-correct.

A schedule names a local time (`08:30`) in a timezone (Europe/Paris) on some weekdays. Its *due times*
are those local times converted to UTC. Daylight saving time is handled deterministically:

- a local time that does not exist that day (spring forward: 02:30 on the last Sunday of March) is
  read with the offset in force just before the change, i.e. it falls one hour later on the wall
  clock (03:30 CEST);
- a local time that exists twice (fall back: 02:30 on the last Sunday of October) is the first one.

A digest covers the period that ends at the latest due time ≤ now. After a downtime only that latest
period is due: missed periods are not replayed one by one (no flood).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
EVERY_DAY = frozenset(range(7))
DEFAULT_TIME = time(8, 30)
DEFAULT_TIMEZONE = "Europe/Paris"


class Cadence(StrEnum):
    DAILY = "quotidien"
    WEEKLY = "hebdo"


@dataclass(frozen=True, slots=True)
class Schedule:
    cadence: Cadence = Cadence.DAILY
    weekdays: frozenset[int] = EVERY_DAY  # 0 = Monday … 6 = Sunday
    at: time = DEFAULT_TIME
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= EVERY_DAY:
            raise ValueError("a schedule needs at least one weekday in 0..6")
        ZoneInfo(self.timezone)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        """« tous les jours à 08:30 » / « chaque lundi, jeudi à 08:30 » (+ the timezone when not Paris)."""
        clock = self.at.strftime("%H:%M")
        zone = "" if self.timezone == DEFAULT_TIMEZONE else f" ({self.timezone})"
        if self.cadence is Cadence.DAILY:
            return f"tous les jours à {clock}{zone}"
        days = ", ".join(WEEKDAYS[d] for d in sorted(self.weekdays))
        return f"chaque {days} à {clock}{zone}"


@dataclass(frozen=True, slots=True)
class Period:
    """(start, end] in UTC: `end` is the due time of the digest, `start` the due time before it."""

    start: datetime
    end: datetime


def local_occurrence(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in `tz` (non-existent: offset before the change; ambiguous:
    first occurrence — `fold=0` gives both)."""
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def _occurs_on(schedule: Schedule, day: date) -> bool:
    return schedule.cadence is Cadence.DAILY or day.weekday() in schedule.weekdays


def latest_due(schedule: Schedule, now: datetime) -> datetime:
    """The latest due time ≤ `now` (UTC)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tz = schedule.tz
    day = now.astimezone(tz).date() + timedelta(days=1)  # a shifted occurrence can fall on the next day
    for _ in range(16):
        if _occurs_on(schedule, day):
            due = local_occurrence(day, schedule.at, tz)
            if due <= now:
                return due
        day -= timedelta(days=1)
    raise AssertionError("a schedule occurs at least once a week")  # pragma: no cover


def previous_due(schedule: Schedule, due: datetime) -> datetime:
    """The due time strictly before `due`."""
    return latest_due(schedule, due - timedelta(microseconds=1))


def next_due(schedule: Schedule, now: datetime) -> datetime:
    """The first due time strictly after `now`."""
    tz = schedule.tz
    day = now.astimezone(tz).date() - timedelta(days=1)
    for _ in range(16):
        if _occurs_on(schedule, day):
            due = local_occurrence(day, schedule.at, tz)
            if due > now:
                return due
        day += timedelta(days=1)
    raise AssertionError("a schedule occurs at least once a week")  # pragma: no cover


def current_period(schedule: Schedule, now: datetime) -> Period:
    """The period whose digest is due at `now`: it ends at the latest due time ≤ now."""
    end = latest_due(schedule, now)
    return Period(start=previous_due(schedule, end), end=end)
