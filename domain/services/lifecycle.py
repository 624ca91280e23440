"""Following anomalies: listing, showing, cancelling, and the recipients' and operators' moves."""

from collections.abc import Generator

from domain.anomaly import MAX_COMMENT, Anomaly
from domain.errors import (
    CancellationQueued,
    InvalidReference,
    NotRecipient,
    RecipientOnlyWhenSending,
    RorCancellationRefused,
    RorNationalAuthenticationRefused,
    RorNationalRefused,
    RorNationalUnavailable,
    TransitionRefused,
)
from domain.filters import AnomalyFilter
from domain.habilitation import Actor, Member, Perimeter, normalise_email
from domain.identifiers import Reference
from domain.ports import Clock, Page, RorNational, UnitOfWork
from domain.ror_journal import JournalOperation
from domain.statuses import Role, Status, targets_for
from domain.text import check_text

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200


def list_anomalies(
    *, flt: AnomalyFilter, member: Member, uow: UnitOfWork, page: int = 1, size: int = DEFAULT_PAGE_SIZE
) -> Page[Anomaly]:
    size = max(1, min(size, MAX_PAGE_SIZE))
    with uow:
        return uow.anomalies.page(flt, perimeter=member.perimeter, page=max(1, page), size=size)


def export_anomalies(
    *, flt: AnomalyFilter, member: Member, uow: UnitOfWork
) -> Generator[Anomaly, None, None]:
    """Every matching anomaly, read as it is consumed; close() it when stopping early (ends the read)."""
    with uow:
        yield from uow.anomalies.iterate(flt, perimeter=member.perimeter)


def count_by_status(
    *, member: Member, uow: UnitOfWork, flt: AnomalyFilter | None = None
) -> dict[Status, int]:
    with uow:
        return uow.anomalies.count_by_status(flt or AnomalyFilter(), perimeter=member.perimeter)


def normalised_reference(reference: str) -> str:
    """`ano_1000…` → `ANO_1000…`; a reference of another form (the ROR national's) as typed."""
    try:
        return str(Reference.parse(reference))
    except InvalidReference:
        return reference.strip()


def show_anomaly(*, reference: str, member: Member, uow: UnitOfWork) -> Anomaly:
    ref = normalised_reference(reference)
    with uow:
        return uow.anomalies.get(ref, perimeter=member.perimeter)


def _move(
    *,
    reference: str,
    perimeter: Perimeter | None,
    target: Status,
    actor: Actor,
    comment: str,
    uow: UnitOfWork,
    clock: Clock,
    recipient: str | None = None,
    assign_recipient: str | None = None,
) -> Anomaly:
    ref = normalised_reference(reference)
    comment = check_text(comment, subject="Le commentaire", max_length=MAX_COMMENT, multiline=True)
    with uow:
        anomaly = uow.anomalies.get(ref, perimeter=perimeter, for_update=True)
        if recipient is not None and (not recipient or (anomaly.recipient or "").lower() != recipient):
            raise NotRecipient(ref)
        if assign_recipient is not None:
            anomaly.recipient = assign_recipient
        anomaly.move_to(target, by=actor, at=clock.now(), comment=comment)
        uow.anomalies.save(anomaly)
        uow.commit()
    return anomaly


def cancel_anomaly(
    *,
    reference: str,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    system: str,
    comment: str = "",
    ror: RorNational | None = None,
) -> Anomaly:
    """With `ror` (connected mode), the ROR national cancels first (domain.services.ror_sending)."""
    if ror is not None:
        return _cancel_connected(
            reference=reference, member=member, uow=uow, clock=clock, system=system, comment=comment, ror=ror
        )
    return _move(
        reference=reference,
        perimeter=member.perimeter,
        target=Status.CANCELLED,
        actor=member.as_actor(system),
        comment=comment,
        uow=uow,
        clock=clock,
    )


def _cancel_connected(
    *,
    reference: str,
    member: Member,
    uow: UnitOfWork,
    clock: Clock,
    system: str,
    comment: str,
    ror: RorNational,
) -> Anomaly:
    ref = normalised_reference(reference)
    comment = check_text(comment, subject="Le commentaire", max_length=MAX_COMMENT, multiline=True)
    actor = member.as_actor(system)
    with uow:
        anomaly = uow.anomalies.get(ref, perimeter=member.perimeter, for_update=True)
        if not may_cancel(anomaly):
            reason = "Ce statut est définitif." if anomaly.status.is_final else ""
            raise TransitionRefused(anomaly.shown_reference, anomaly.status, Status.CANCELLED, reason)
        if anomaly.waiting_for_ror:
            # Never sent: the ROR national need not hear of it; its POST is dropped in the same transaction.
            uow.ror_journal.drop(anomaly.reference, JournalOperation.SUBMIT, at=clock.now())
            anomaly.ror_state = None
            anomaly.move_to(
                Status.CANCELLED,
                by=actor,
                at=clock.now(),
                comment=comment or "Annulée avant son envoi au ROR national",
            )
            uow.anomalies.save(anomaly)
            uow.commit()
            return anomaly
        if JournalOperation.CANCEL in uow.ror_journal.pending(anomaly.reference):
            raise CancellationQueued(anomaly.shown_reference)
        task_id = anomaly.ror_task_id
    if task_id is None:  # declared before this installation was connected: ours alone
        return _move(
            reference=ref,
            perimeter=member.perimeter,
            target=Status.CANCELLED,
            actor=actor,
            comment=comment,
            uow=uow,
            clock=clock,
        )
    try:
        submitted = ror.set_status(task_id, Status.CANCELLED)
    except RorNationalRefused as error:
        raise RorCancellationRefused(anomaly.shown_reference, error.reason.strip() or error.message) from None
    except (RorNationalUnavailable, RorNationalAuthenticationRefused) as error:
        with uow:
            payload = {
                "actor": actor.name,
                "role": actor.role.value,
                "system": actor.system,
                "comment": comment,
            }
            uow.ror_journal.add(anomaly.reference, JournalOperation.CANCEL, at=clock.now(), payload=payload)
            uow.commit()
        raise CancellationQueued(anomaly.shown_reference, error.message) from None
    with uow:
        stored = uow.anomalies.get(anomaly.reference, perimeter=None, for_update=True)
        if stored.status is not Status.CANCELLED:
            stored.move_to(Status.CANCELLED, by=actor, at=clock.now(), comment=comment)
        stored.ror_version = submitted.version or stored.ror_version
        uow.anomalies.save(stored)
        uow.commit()
    return stored


def may_cancel(anomaly: Anomaly) -> bool:
    return anomaly.may_move(Status.CANCELLED, Role.DECLARANT)


def transition_anomaly(
    *,
    reference: str,
    target: Status,
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor | None = None,
    comment: str = "",
    recipient_email: str | None = None,
) -> Anomaly:
    """An operator's move (CLI/API): any anomaly, any move the table gives operators.

    Sending to the recipient (04/11 → 05) needs one: the anomaly's own, or `recipient_email`, which
    the operator assigns with the move (SPEC §4 « 05 (recipient assigned) »). With any other move it
    is refused: it would silently change who the anomaly's recipient is, with no trace in the history."""
    assigned = normalise_email(recipient_email) if recipient_email is not None else None
    if assigned is not None and target is not Status.SENT_TO_RECIPIENT:
        raise RecipientOnlyWhenSending(target)
    if assigned is not None and not comment.strip():
        comment = f"Destinataire désigné : {assigned}"
    return _move(
        reference=reference,
        perimeter=None,
        target=target,
        actor=actor or Actor.operator(),
        comment=comment,
        uow=uow,
        clock=clock,
        assign_recipient=assigned,
    )


def record_outcome(
    *,
    reference: str,
    recipient_email: str,
    target: Status,
    uow: UnitOfWork,
    clock: Clock,
    system: str,
    comment: str = "",
) -> Anomaly:
    """The recipient's answer (Corrigée, Refusée, …) on an anomaly routed to them."""
    email = recipient_email.strip().lower()
    return _move(
        reference=reference,
        perimeter=None,
        target=target,
        actor=Actor.recipient(email, system),
        comment=comment,
        uow=uow,
        clock=clock,
        recipient=email,
    )


def recipient_outcomes(anomaly: Anomaly) -> tuple[Status, ...]:
    return targets_for(anomaly.status, Role.RECIPIENT)
