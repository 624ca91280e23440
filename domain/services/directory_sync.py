"""`ror-bot directory sync`: the ROR national's directory pulled into ours, incrementally (issue 8, api.md).

The pull asks for the structures changed since the watermark (so structures without offers are not
missed), then for the offers changed themselves or through their structure, with their structure,
locations, roles and practitioners. Each page goes through the directory importer in its own transaction:
a resource is stored whole or not at all, a rejected one is reported with its reason and the rest loads,
a re-read one is updated in place (or left untouched when nothing changed), and a recipient newly named
routes the blocked anomalies waiting for one.

The watermark is the latest `meta.lastUpdated` the pull saw, kept exactly as the server wrote it, per
directory base. It moves only once the last page is stored: a pull cut short by an outage leaves it where
it was, and the next pull reads the same changes again. Each pull starts `OVERLAP` before it, so a change
the server recorded with an earlier time than one already read is still seen."""

from dataclasses import dataclass
from datetime import timedelta

from domain.errors import DirectorySyncInterrupted, RorNationalError
from domain.ports import Clock, RorDirectory, UnitOfWork
from domain.rornational import Watermark
from domain.services.directory_pages import PageRejection, PullTally, load_pages

OVERLAP = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class SyncReport:
    origin: str
    previous: Watermark | None  # the stored watermark before the pull
    since: Watermark | None  # what the pull asked from (the previous one, less the overlap)
    watermark: Watermark | None  # the stored watermark after it
    created: int
    updated: int
    unchanged: int
    pages: int
    rejected: tuple[PageRejection, ...]
    sent: tuple[str, ...]


def _report(
    tally: PullTally,
    *,
    origin: str,
    previous: Watermark | None,
    since: Watermark | None,
    watermark: Watermark | None,
) -> SyncReport:
    return SyncReport(
        origin=origin,
        previous=previous,
        since=since,
        watermark=watermark,
        created=tally.created,
        updated=tally.updated,
        unchanged=tally.unchanged,
        pages=tally.pages,
        rejected=tuple(tally.rejected),
        sent=tuple(tally.sent),
    )


def sync_directory(
    *, source: RorDirectory, origin: str, uow: UnitOfWork, clock: Clock, system: str
) -> SyncReport:
    """Pull what changed in the directory at `origin` (the directory base the watermark belongs to).

    Raises DirectorySyncInterrupted (with what was already stored) when the ROR national fails
    part-way; the watermark is then left as it was."""
    with uow:
        previous = uow.directory.watermark(origin)
    since = previous.earlier_by(OVERLAP) if previous is not None else None
    tally = PullTally()
    reached: Watermark | None = None
    try:
        for page in source.pull_directory(since):
            load_pages([page], tally=tally, uow=uow, clock=clock, system=system)
            if page.last:
                reached = page.watermark
    except RorNationalError as error:
        partial = _report(tally, origin=origin, previous=previous, since=since, watermark=previous)
        raise DirectorySyncInterrupted(error, partial.pages, partial.created + partial.updated) from error
    # Never backwards: an overlap that found nothing newer leaves the mark where it was.
    watermark = previous if reached is None or (previous is not None and reached < previous) else reached
    if watermark is not None and watermark != previous:
        with uow:
            uow.directory.move_watermark(origin, watermark, at=clock.now())
            uow.commit()
    return _report(tally, origin=origin, previous=previous, since=since, watermark=watermark)
