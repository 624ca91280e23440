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


DomainEvent = SentToRecipient | StatusChanged | RecipientUnreachable
