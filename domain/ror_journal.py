"""Connected mode: the journal of what we still have to send to the ROR national (issue 8).

Declaring or cancelling writes the anomaly's change and its journal entry in one transaction; a sender
leases due entries (no other process sends them meanwhile), calls the ROR national outside any
transaction, then marks each entry done, to be retried (its next attempt time honours Retry-After), or
refused (4xx: never retried). Nothing is lost when the ROR is down; nothing is sent twice (see
`domain.services.ror_sending` for the POST whose answer was lost)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class JournalOperation(StrEnum):
    SUBMIT = "submit"  # POST the anomaly's Task (businessStatus 01)
    CANCEL = "cancel"  # PATCH its businessStatus to 03


class JournalState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"
    DROPPED = "dropped"  # no longer needed (a pending declaration cancelled before it was sent)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    reference: str  # the anomaly's local reference
    operation: JournalOperation
    attempts: int  # sends started, this one included
    created_at: datetime
    payload: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff from `base` to `ceiling`; a Retry-After from the ROR is never shortened."""

    base: timedelta = timedelta(seconds=30)
    ceiling: timedelta = timedelta(hours=1)

    def next_attempt(self, *, attempts: int, now: datetime, retry_after: float | None) -> datetime:
        wait: timedelta = min(self.base * (2 ** max(0, attempts - 1)), self.ceiling)
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        moment: datetime = now + wait
        return moment
