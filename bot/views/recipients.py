"""What recipients and declaring members read in their DMs, and the outcome modal."""

import json
from typing import Any
from zoneinfo import ZoneInfo

from bot.ids import RecipientIds
from bot.mrkdwn import escape, safe
from bot.views.blocks import MESSAGE_BLOCKS_MAX, Block, actions, button, header, modal, plain, section
from bot.views.detail import detail_blocks
from domain.anomaly import Anomaly
from domain.events import AnomaliesImported, RefusedByRorNational, SentToRorNational, StatusChanged
from domain.statuses import Status

OUTCOME_LABELS = {
    Status.CORRECTED: "Corrigée",
    Status.REFUSED: "Refusée",
    Status.TOLERATED_TEMPORARILY: "Tolérée temporairement",
    Status.TOLERATED_PERMANENTLY: "Tolérée définitivement",
    Status.TO_CHECK: "À vérifier",
    Status.BLOCKED_WRONG_RECIPIENT: "Destinataire erroné",
}
COMMENT_MAX = 800


def outcome_action_id(status: Status) -> str:
    return f"{RecipientIds.OUTCOME}{status.code}"


def recipient_text(anomaly: Anomaly) -> str:
    """The DM's fallback text (notifications): Slack reads it as mrkdwn, so names are escaped."""
    return (
        f"Anomalie {anomaly.shown_reference} à traiter : « {escape(anomaly.data_item)} » sur {anomaly.kind.label} "
        f"{safe(anomaly.resource_id, 40)} ({safe(anomaly.offer_name or anomaly.structure_name, 300)})."
    )


def recipient_blocks(
    anomaly: Anomaly, outcomes: tuple[Status, ...], tz: ZoneInfo, *, notice: str | None = None
) -> list[Block]:
    """The anomaly routed to the recipient, with a button per outcome they may record."""
    intro = notice or (
        "Une anomalie a été déclarée sur une ressource dont vous êtes le destinataire dans le ROR. "
        "Indiquez la suite que vous lui donnez :"
    )
    blocks = [header("Anomalie ROR à traiter"), section(intro)]
    blocks += detail_blocks(anomaly, cancellable=False, tz=tz)
    buttons = [
        button(OUTCOME_LABELS.get(s, s.label), outcome_action_id(s), anomaly.reference) for s in outcomes
    ]
    budget = MESSAGE_BLOCKS_MAX - (1 if buttons else 0)
    blocks = blocks[:budget]
    if buttons:
        blocks.append(actions(*buttons, block_id=RecipientIds.OUTCOMES_BLOCK))
    return blocks


def outcome_metadata(reference: str, status: Status, channel: str, ts: str) -> str:
    return json.dumps({"r": reference, "s": status.code, "c": channel, "t": ts}, separators=(",", ":"))


def outcome_modal(anomaly_reference: str, status: Status, *, private_metadata: str) -> dict[str, Any]:
    label = OUTCOME_LABELS.get(status, status.label)
    text = f"L'anomalie *{escape(anomaly_reference)}* passera au statut *{status.code} {status.label}*."
    comment: Block = {
        "type": "input",
        "block_id": RecipientIds.COMMENT_BLOCK,
        "optional": True,
        "label": plain("Commentaire (facultatif)", 2000),
        "element": {
            "type": "plain_text_input",
            "action_id": RecipientIds.COMMENT_INPUT,
            "multiline": True,
            "max_length": COMMENT_MAX,
            "placeholder": plain("Précisez si besoin (correction faite, motif du refus…)", 150),
        },
    }
    return modal(
        title=label if len(label) <= 24 else "Réponse à l'anomalie",
        blocks=[section(text), comment],
        callback_id=RecipientIds.OUTCOME_MODAL,
        submit="Confirmer",
        close="Annuler",
        private_metadata=private_metadata,
    )


def recorded_notice(anomaly: Anomaly) -> str:
    return f":white_check_mark: Réponse enregistrée : l'anomalie est au statut *{anomaly.status.code} {anomaly.status.label}*."


def status_changed_text(event: StatusChanged) -> str:
    """The DM to the declaring member."""
    text = (
        f"Votre anomalie {event.reference} est passée du statut « {event.previous.label} » au statut "
        f"« {event.current.label} » (par {event.actor})."
    )
    if event.comment:
        text += f"\nCommentaire : {event.comment}"
    return text


def sent_to_ror_text(event: SentToRorNational) -> str:
    """The DM to the declarant once a declaration kept while the ROR national was unavailable reached it."""
    return (
        f"Votre anomalie {event.reference} (en attente) a été envoyée au ROR national : sa référence est "
        f"désormais {event.ror_reference} (ressource {event.resource_id}, donnée « {event.data_item} »)."
    )


def refused_by_ror_text(event: RefusedByRorNational) -> str:
    """The DM to whoever asked, when the ROR national refused what the journal sent for them."""
    if event.operation == "annulation":
        return (
            f"Le ROR national a refusé l'annulation de l'anomalie {event.reference} : "
            f"{event.reason.rstrip('.')}. Son statut est inchangé."
        )
    return (
        f"Le ROR national a refusé votre anomalie {event.reference} (en attente) : {event.reason.rstrip('.')}. "
        "Elle n'a pas été enregistrée par le ROR national."
    )


def status_changed_blocks(event: StatusChanged) -> list[Block]:
    return [section(status_changed_fallback(event))]


def status_changed_fallback(event: StatusChanged) -> str:
    """The DM's text, escaped (the actor and the comment are other people's words) and within limits."""
    return safe(status_changed_text(event), 2900)


def _n(count: int, singular: str, plural: str) -> str:
    return f"{count:,}".replace(",", " ") + " " + (singular if count <= 1 else plural)


def import_summary_text(event: AnomaliesImported) -> str:
    """The one DM a declarant gets for a bulk import (never one per line)."""
    return (
        f"Votre import d'anomalies est terminé : {_n(event.created, 'anomalie créée', 'anomalies créées')} "
        + (
            f"({_n(event.queued_for_ror, 'en attente', 'en attente')} d'envoi au ROR national), "
            if event.queued_for_ror
            else f"({_n(event.sent_to_recipients, 'envoyée', 'envoyées')} au destinataire, "
            f"{_n(event.blocked, 'bloquée', 'bloquées')} faute de destinataire), "
        )
        + f"{_n(event.already_present, 'déjà présente', 'déjà présentes')}, "
        f"{_n(event.refused, 'ligne refusée', 'lignes refusées')}. "
        "Retrouvez-les avec /ror liste."
    )
