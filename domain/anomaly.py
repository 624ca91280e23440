"""The anomaly: one data item of one resource, and every status it went through (SPEC §4)."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.catalogue import Action, ResourceKind, Thematique
from domain.errors import TransitionRefused
from domain.events import DomainEvent, RecipientUnreachable, SentToRecipient, StatusChanged
from domain.habilitation import Actor
from domain.identifiers import Reference
from domain.statuses import Role, Status, allowed_roles

MAX_DESCRIPTION = 800
# The declaration modal's input holds 500 characters; the domain holds everyone else to it too.
MAX_PROPOSED_VALUE = 500
# A quality rule's identifier (Règle), as its column holds it.
MAX_RULE = 100
# A status change's comment (recipients' outcome modal, cancellations, operators' moves).
MAX_COMMENT = 800


class RorState(StrEnum):
    """Where an anomaly stands with the ROR national (connected mode; None in standalone mode)."""

    PENDING = "pending"  # kept locally, its POST still waiting in the journal
    SENT = "sent"  # the ROR national holds its Task
    REFUSED = "refused"  # the ROR national refused the queued POST (its reason is in the journal)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    previous: Status | None
    status: Status
    actor: str
    role: Role
    system: str
    comment: str = ""


@dataclass(slots=True)
class Anomaly:
    reference: str
    status: Status
    kind: ResourceKind
    resource_id: str
    structure_id: str | None
    structure_name: str
    offer_name: str | None
    region: str | None
    departement: str | None
    data_item: str
    present_value: str
    description: str
    thematique: Thematique
    action: Action
    fhir_path: str
    declaring_system: str
    declarant_id: str
    created_at: datetime
    updated_at: datetime
    declarant_email: str | None = None
    group_name: str | None = None
    recipient: str | None = None
    rule: str | None = None
    proposed_value: str | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    # Connected mode (issue 8): the Task on the ROR national, as it last answered. `reference` stays the
    # local one (provisional while the POST waits), and still finds the anomaly afterwards.
    ror_task_id: str | None = None
    ror_version: str | None = None
    ror_reference: str | None = None
    ror_identifier_system: str | None = None
    ror_state: RorState | None = None
    # How many history entries the store already holds: the rest are new.
    stored_history: int = field(default=0, compare=False, repr=False)
    events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    @property
    def shown_reference(self) -> str:
        """The reference users read: the ROR's once it answered, else the local one."""
        return self.ror_reference or self.ror_task_id or self.reference

    @property
    def labelled_reference(self) -> str:
        """`shown_reference`, marked « en attente » while its declaration waits to be sent."""
        return self.shown_reference + (" (en attente)" if self.waiting_for_ror else "")

    @property
    def waiting_for_ror(self) -> bool:
        """Declared in connected mode, its POST not yet accepted by the ROR national."""
        return self.ror_state is RorState.PENDING

    @property
    def new_history(self) -> list[HistoryEntry]:
        return self.history[self.stored_history :]

    def may_move(self, target: Status, role: Role) -> bool:
        return role in allowed_roles(self.status, target)

    def move_to(self, target: Status, *, by: Actor, at: datetime, comment: str = "") -> None:
        if not self.may_move(target, by.role):
            reason = "Ce statut est définitif." if self.status.is_final else ""
            raise TransitionRefused(self.reference, self.status, target, reason)
        if target is Status.SENT_TO_RECIPIENT and not self.recipient:
            raise TransitionRefused(
                self.reference, self.status, target, "Aucun destinataire n'est désigné pour cette ressource."
            )
        previous = self.status
        self.history.append(HistoryEntry(at, previous, target, by.name, by.role, by.system, comment.strip()))
        self.status = target
        self.updated_at = at
        self.events.append(
            StatusChanged(
                self.shown_reference, previous, target, by.name, self.declarant_email, comment.strip()
            )
        )
        if target is Status.SENT_TO_RECIPIENT and self.recipient:
            self.events.append(SentToRecipient(self.reference, self.recipient))

    def route(self, *, recipient: str | None, at: datetime, system: str) -> None:
        """First move after creation, or when the directory gains a recipient: to the recipient if
        there is one, else blocked."""
        self.recipient = recipient
        target = Status.SENT_TO_RECIPIENT if recipient else Status.BLOCKED_NO_RECIPIENT
        comment = f"Envoyée à {recipient}" if recipient else "Aucun destinataire connu pour cette ressource"
        self.move_to(target, by=Actor.automatic(system), at=at, comment=comment)

    def follow_ror_national(self, target: Status, *, by: Actor, at: datetime) -> bool:
        """The status the ROR national gives it, whatever the local transition table says: in connected
        mode the ROR national is the system of record. False when it already is at that status."""
        if target is self.status:
            return False
        previous = self.status
        self.history.append(HistoryEntry(at, previous, target, by.name, by.role, by.system))
        self.status = target
        self.updated_at = at
        # The reference users read: the ROR's (connected mode), which also finds the anomaly.
        self.events.append(
            StatusChanged(self.shown_reference, previous, target, by.name, self.declarant_email)
        )
        return True

    def recipient_unreachable(self, *, by: Actor, at: datetime, comment: str) -> None:
        """Its recipient cannot be told (no account where notifications go): blocked for a wrong
        recipient, and the operator is told which one (RecipientUnreachable)."""
        recipient = self.recipient or ""
        self.move_to(Status.BLOCKED_WRONG_RECIPIENT, by=by, at=at, comment=comment)
        self.events.append(RecipientUnreachable(self.reference, recipient))

    def pull_events(self) -> list[DomainEvent]:
        """The events since the last pull; the unit of work publishes them when it commits."""
        events, self.events = self.events, []
        return events

    @property
    def reference_number(self) -> int:
        return Reference.parse(self.reference).number
