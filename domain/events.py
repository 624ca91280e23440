"""What happened to anomalies that someone outside the transaction must hear about."""

from dataclasses import dataclass

from domain.statuses import Status


@dataclass(frozen=True, slots=True)
class SentToRecipient:
    reference: str
    recipient: str


@dataclass(frozen=True, slots=True)
class StatusChanged:
    reference: str
    previous: Status
    current: Status
    actor: str
    declarant_email: str | None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class RecipientUnreachable:
    reference: str
    recipient: str


@dataclass(frozen=True, slots=True)
class SentToRorNational:
    """A declaration kept while the ROR national was unavailable has reached it (connected mode): its
    declarant learns the ROR's reference."""

    reference: str
    ror_reference: str
    declarant_email: str | None
    resource_id: str
    data_item: str


@dataclass(frozen=True, slots=True)
class RefusedByRorNational:
    """The ROR national refused an operation sent from the journal (after the user had left): who asked
    is told the ROR's reason. `operation`: « declaration » or « annulation »."""

    reference: str
    operation: str
    reason: str
    email: str | None


@dataclass(frozen=True, slots=True)
class AnomaliesImported:
    """A bulk import finished: its declarant hears of it once, not once per line."""

    declarant_email: str
    created: int
    already_present: int
    refused: int
    sent_to_recipients: int
    blocked: int
    queued_for_ror: int = 0  # connected mode: waiting in the journal to be POSTed


DomainEvent = (
    SentToRecipient
    | StatusChanged
    | RecipientUnreachable
    | SentToRorNational
    | RefusedByRorNational
    | AnomaliesImported
)
