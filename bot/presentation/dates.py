"""One rule for moments, on every surface: listings, histories and filters are read in ROR_TIMEZONE; the
fields labelled « (UTC) » stay UTC, to the second; JSON is ISO 8601 UTC."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second: `2026-01-15T09:30:00Z` (JSON, for scripts)."""
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def utc_seconds(moment: datetime) -> str:
    """The « Création (UTC) » / « Dernière modification (UTC) » fields: `15/01/2026 15:08:30`."""
    return moment.astimezone(UTC).strftime("%d/%m/%Y %H:%M:%S")


def local_date(moment: datetime, tz: ZoneInfo) -> str:
    """The day in `tz`, as listings show it: `15/01/2026` (the day the `du=` / `au=` filters read)."""
    return moment.astimezone(tz).strftime("%d/%m/%Y")


def local_minute(moment: datetime, tz: ZoneInfo) -> str:
    """A moment in `tz`, to the minute: `15/01/2026 16:08` (histories)."""
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")
