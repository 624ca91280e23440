"""Following anomalies: listing, showing, cancelling, and the recipients' and operators' moves."""

from collections.abc import Generator

from domain.anomaly import MAX_COMMENT, Anomaly
from domain.errors import NotRecipient, RecipientOnlyWhenSending
from domain.filters import AnomalyFilter
from domain.habilitation import Actor, Member, Perimeter, normalise_email
from domain.identifiers import Reference
from domain.ports import Clock, Page, UnitOfWork
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


def show_anomaly(*, reference: str, member: Member, uow: UnitOfWork) -> Anomaly:
    ref = str(Reference.parse(reference))
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
    ref = str(Reference.parse(reference))
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
    *, reference: str, member: Member, uow: UnitOfWork, clock: Clock, system: str, comment: str = ""
) -> Anomaly:
    return _move(
        reference=reference,
        perimeter=member.perimeter,
        target=Status.CANCELLED,
        actor=member.as_actor(system),
        comment=comment,
        uow=uow,
        clock=clock,
    )


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
