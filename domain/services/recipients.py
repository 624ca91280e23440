"""What happens when the recipient of an anomaly cannot be reached in Slack.

Choice: an anomaly *Envoyée au destinataire* (05) whose recipient has no account in the Slack
workspace moves to *Bloquée (destinataire erroné)* (11), as an automatic operator move (the SPEC's
table allows 05 → 11 to R and O), with a history comment saying why and what to do. This keeps the
anomaly visibly blocked — in the « bloquées » digests and the listing's `statut=bloquee` — instead of
sitting in 05 while nobody is told; `ror-bot recipient set` on the resource then sends it to the new
recipient (11 → 05), and the declaring member is told of both moves."""

from domain.anomaly import Anomaly
from domain.directory import WrongRecipient
from domain.errors import AnomalyNotFound
from domain.habilitation import Actor
from domain.ports import Clock, UnitOfWork
from domain.statuses import Status

NOTIFIER = "Notification Slack"


def unreachable_comment(recipient: str) -> str:
    return (
        f"Le destinataire {recipient} n'a pas de compte dans l'espace Slack : l'anomalie ne peut pas lui être "
        "notifiée. Désignez un autre destinataire (ror-bot recipient set) ou contactez-le par un autre moyen."
    )


def mark_recipient_unreachable(
    *, reference: str, recipient: str, uow: UnitOfWork, clock: Clock, system: str
) -> Anomaly | None:
    """Block the anomaly if it is still waiting for this recipient; None when it has moved on since."""
    address = recipient.strip().lower()
    with uow:
        try:
            anomaly = uow.anomalies.get(reference, perimeter=None, for_update=True)
        except AnomalyNotFound:
            return None
        if anomaly.status is not Status.SENT_TO_RECIPIENT or (anomaly.recipient or "").lower() != address:
            return None
        anomaly.recipient_unreachable(
            by=Actor.operator(name=NOTIFIER, system=system),
            at=clock.now(),
            comment=unreachable_comment(address),
        )
        uow.anomalies.save(anomaly)
        uow.commit()
    return anomaly


def anomaly_for_notification(*, reference: str, uow: UnitOfWork) -> Anomaly:
    """The anomaly a notification is about, whatever the perimeter (the notifier is the system)."""
    with uow:
        return uow.anomalies.get(reference, perimeter=None)


def wrong_recipients(*, uow: UnitOfWork) -> list[WrongRecipient]:
    """Every recipient found wrong (no Slack account, or who said so), per resource: what an operator
    fixes with `ror-bot recipient set`."""
    with uow:
        return uow.anomalies.wrong_recipients()
