"""Delivering the outbox (events committed with the changes that caused them) as Slack DMs:

- SentToRecipient → the recipient, found by e-mail (users.lookupByEmail), gets the anomaly with a button
  per outcome they may record; a recipient with no account in the workspace blocks the anomaly
  (domain.services.recipients explains the choice);
- StatusChanged → the declaring member is told (not for the routing at creation, nor for their own moves);
- RecipientUnreachable → the operator is told which recipient is wrong: a warning in the log naming the
  resource and the fix (`ror-bot recipient errors` lists them all);
- AnomaliesImported → the declarant of a bulk import gets one summary (never one DM per line).

Each batch is *leased* first (committed), so no transaction is held open while Slack answers and another
process does not deliver the same message meanwhile; a crash leaves the lease to run out and the message
is delivered again (at least once)."""

import logging
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.context import AppContext
from bot.mrkdwn import escape, safe
from bot.notifications.slack_poster import error_code
from bot.views.blocks import section
from bot.views.recipients import (
    import_summary_text,
    recipient_blocks,
    recipient_text,
    refused_by_ror_text,
    sent_to_ror_text,
    status_changed_blocks,
    status_changed_fallback,
)
from domain.errors import AnomalyNotFound
from domain.events import (
    AnomaliesImported,
    DomainEvent,
    RecipientUnreachable,
    RefusedByRorNational,
    SentToRecipient,
    SentToRorNational,
    StatusChanged,
)
from domain.habilitation import Actor
from domain.services import recipient_outcomes
from domain.services.recipients import anomaly_for_notification, mark_recipient_unreachable
from domain.statuses import Status

logger = logging.getLogger(__name__)
ROR_NATIONAL = Actor.ror_national()

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH = 20


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2**attempts), timedelta(hours=1))


class OutboxDelivery:
    def __init__(self, context: AppContext, client: WebClient) -> None:
        self.context = context
        self.client = client

    # --- Slack -------------------------------------------------------------------------------------

    def user_id_for(self, email: str) -> str | None:
        """The Slack user with this e-mail, or None when the workspace has none."""
        try:
            answer = self.client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            if error_code(error) == "users_not_found":
                return None
            raise
        user = answer.get("user") or {}
        return str(user["id"]) if user.get("id") else None

    def _dm(self, user_id: str, *, text: str, blocks: list[dict[str, object]]) -> None:
        self.client.chat_postMessage(
            channel=user_id, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
        )

    # --- events ------------------------------------------------------------------------------------

    def deliver(self, event: DomainEvent) -> None:
        if isinstance(event, SentToRecipient):
            self.notify_recipient(event)
        elif isinstance(event, StatusChanged):
            self.notify_declarant(event)
        elif isinstance(event, RecipientUnreachable):
            self.report_unreachable(event)
        elif isinstance(event, SentToRorNational):
            self.tell(event.declarant_email, sent_to_ror_text(event))
        elif isinstance(event, RefusedByRorNational):
            self.tell(event.email, refused_by_ror_text(event))
        elif isinstance(event, AnomaliesImported):
            self.tell(event.declarant_email, import_summary_text(event))

    def tell(self, email: str | None, text: str) -> None:
        """A DM to the member with that e-mail, if the workspace has them (connected mode's outcomes)."""
        user_id = self.user_id_for(email) if email else None
        if user_id is not None:
            self._dm(user_id, text=escape(text), blocks=[section(safe(text, 2900))])

    def notify_recipient(self, event: SentToRecipient) -> None:
        ror = self.context
        try:
            anomaly = anomaly_for_notification(reference=event.reference, uow=ror.store.reader())
        except AnomalyNotFound:
            return
        if anomaly.status is not Status.SENT_TO_RECIPIENT or (anomaly.recipient or "") != event.recipient:
            return  # moved on since: nothing to ask any more
        user_id = self.user_id_for(event.recipient)
        if user_id is None:
            mark_recipient_unreachable(
                reference=event.reference,
                recipient=event.recipient,
                uow=ror.uow(),
                clock=ror.clock,
                system=ror.system,
            )
            return
        blocks = recipient_blocks(anomaly, recipient_outcomes(anomaly), ror.settings.timezone)
        self._dm(user_id, text=recipient_text(anomaly), blocks=blocks)

    def notify_declarant(self, event: StatusChanged) -> None:
        routed_here = event.previous is Status.CREATED and event.actor != ROR_NATIONAL.name
        if routed_here or not event.declarant_email:
            # The local routing at creation is already in the declaration's confirmation; in connected
            # mode the ROR national routes later (01 → …), which the declarant has not heard of yet.
            return
        if event.actor.lower() == event.declarant_email.lower():
            return  # their own move
        user_id = self.user_id_for(event.declarant_email)
        if user_id is not None:
            self._dm(user_id, text=status_changed_fallback(event), blocks=status_changed_blocks(event))

    def report_unreachable(self, event: RecipientUnreachable) -> None:
        ror = self.context
        try:
            anomaly = anomaly_for_notification(reference=event.reference, uow=ror.store.reader())
        except AnomalyNotFound:
            return
        logger.warning(
            "Destinataire erroné : %s n'a pas de compte dans l'espace Slack. L'anomalie %s (%s %s) est "
            "bloquée ; désignez le bon destinataire : ror-bot recipient set %s ADRESSE",
            event.recipient,
            event.reference,
            anomaly.kind.label,
            anomaly.resource_id,
            anomaly.resource_id,
        )

    # --- the outbox ----------------------------------------------------------------------------------

    def deliver_pending(self, *, now: datetime | None = None, limit: int = BATCH) -> int:
        """Deliver what is due; returns how many messages were delivered."""
        now = now or self.context.clock.now()
        uow = self.context.uow()
        with uow:
            messages = uow.outbox.lease(now=now, lease=LEASE, limit=limit)
            uow.commit()
        delivered = 0
        for message in messages:
            try:
                self.deliver(message.event)
            except (
                Exception
            ) as error:  # kept with its error, tried again later: one DM never stops the others
                logger.warning("Notification %s non livrée : %r", message.id, error)
                retry_at = now + backoff(message.attempts) if message.attempts < MAX_ATTEMPTS else None
                with uow:
                    uow.outbox.mark_failed(message.id, error=repr(error), retry_at=retry_at)
                    uow.commit()
                continue
            with uow:
                uow.outbox.mark_delivered(message.id, at=self.context.clock.now())
                uow.commit()
            delivered += 1
        return delivered
