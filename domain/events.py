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
class AnomaliesImported:
    """A bulk import finished: its declarant hears of it once, not once per line."""

    declarant_email: str
    created: int
    already_present: int
    refused: int
    sent_to_recipients: int
    blocked: int


DomainEvent = SentToRecipient | StatusChanged | RecipientUnreachable | AnomaliesImported
