"""`/ror voir`: every field of an anomaly (SPEC §4) and its history; the cancellation prompt."""

from typing import Any
from zoneinfo import ZoneInfo

from bot.ids import DetailIds
from bot.mrkdwn import escape, safe
from bot.presentation.dates import local_minute, utc_seconds
from bot.views.blocks import (
    Block,
    actions,
    button,
    confirm,
    context,
    divider,
    fields_section,
    header,
    modal,
    section,
    sections_of_lines,
)
from domain.anomaly import Anomaly, HistoryEntry, RorState
from domain.services.ror_sending import WAITING_LABEL

HISTORY_MAX = 30


def _cancel_confirm(reference: str) -> dict[str, Any]:
    return confirm(
        "Annuler l'anomalie ?",
        f"L'anomalie {reference} passera au statut *Annulée*. Cette action est définitive.",
        "Annuler l'anomalie",
        "Ne rien faire",
    )


def history_line(entry: HistoryEntry, tz: ZoneInfo) -> str:
    move = f"{entry.previous.label} → {entry.status.label}" if entry.previous else entry.status.label
    line = f"• {local_minute(entry.at, tz)} · *{move}* · {safe(entry.actor, 120)} ({safe(entry.system, 80)})"
    if entry.comment:
        line += f" — {safe(entry.comment, 300)}"
    return line


def ror_state_line(anomaly: Anomaly) -> str | None:
    """Connected mode: where the anomaly stands with the ROR national (None in standalone mode)."""
    state = anomaly.ror_state
    if state is RorState.PENDING:
        return (
            f":hourglass_flowing_sand: *{WAITING_LABEL}* : sa référence {anomaly.reference} est provisoire, "
            "celle du ROR national la remplacera dès l'envoi."
        )
    if state is RorState.REFUSED:
        return ":no_entry: *Refusée par le ROR national* : il n'a pas enregistré cette déclaration."
    if state is RorState.SENT and anomaly.shown_reference != anomaly.reference:
        return f"Référence du ROR national ; référence locale : {anomaly.reference}"
    return None


def detail_blocks(
    anomaly: Anomaly, *, cancellable: bool, tz: ZoneInfo, notice: str | None = None
) -> list[Block]:
    a = anomaly
    blocks: list[Block] = [header(f"Anomalie {a.labelled_reference}")]
    if notice:
        blocks.append(section(notice))
    blocks.append(
        fields_section(
            [
                f"*Référence*\n{a.labelled_reference}",
                f"*Statut*\n{a.status.code} {a.status.label}",
                f"*Ressource en anomalie*\n{a.kind.label}",
                f"*ID ressource*\n{safe(a.resource_id, 60)}",
                f"*Nom de l'établissement*\n{safe(a.structure_name, 300)}",
                f"*Nom de l'offre*\n{safe(a.offer_name or '—', 300)}",
                f"*Région*\n{safe(a.region or '—', 10)}",
                f"*Département*\n{safe(a.departement or '—', 10)}",
                f"*Donnée en anomalie*\n{escape(a.data_item)}",
                f"*Thématique · Action*\n{a.thematique.label} · {a.action.label}",
            ]
        )
    )
    ror_line = ror_state_line(a)
    if ror_line:
        blocks.append(section(ror_line))
    blocks += sections_of_lines([f"*Données présentes dans le ROR*\n{safe(a.present_value, 2500)}"])
    blocks += sections_of_lines([f"*Description de l'anomalie*\n{safe(a.description, 2500)}"])
    blocks.append(
        fields_section(
            [
                f"*Règle*\n{safe(a.rule or '—', 100)}",
                f"*Valeur proposée*\n{safe(a.proposed_value or '—', 1500)}",
                f"*Système déclarant*\n{safe(a.declaring_system, 200)}",
                f"*ID déclarant*\n{safe(a.declarant_id, 100)}",
                f"*Destinataire*\n{safe(a.recipient or 'Aucun', 200)}",
                f"*Création (UTC)*\n{utc_seconds(a.created_at)}",
                f"*Dernière modification (UTC)*\n{utc_seconds(a.updated_at)}",
                f"*Dernière modification ({tz.key})*\n{local_minute(a.updated_at, tz)}",
            ]
        )
    )
    blocks.append(divider())
    history = a.history[-HISTORY_MAX:]
    lines = [f"*Historique* (fuseau {tz.key})"]
    if len(a.history) > len(history):
        lines.append(f"_… {len(a.history) - len(history)} changements plus anciens_")
    lines += [history_line(entry, tz) for entry in history]
    blocks += sections_of_lines(lines)
    if cancellable:
        blocks.append(
            actions(
                button(
                    "Annuler l'anomalie",
                    DetailIds.CANCEL,
                    a.reference,
                    style="danger",
                    confirm_dialog=_cancel_confirm(a.reference),
                )
            )
        )
    elif a.status.is_final:
        blocks.append(context(f"Statut définitif : {a.status.label}."))
    return blocks


def detail_text(anomaly: Anomaly) -> str:
    return f"Anomalie {anomaly.labelled_reference} — {anomaly.status.label}"


def detail_modal(
    anomaly: Anomaly, *, cancellable: bool, tz: ZoneInfo, notice: str | None = None
) -> dict[str, Any]:
    return modal(
        title=f"Anomalie {anomaly.shown_reference[-12:]}",
        blocks=detail_blocks(anomaly, cancellable=cancellable, tz=tz, notice=notice),
        callback_id=DetailIds.MODAL,
        private_metadata=anomaly.reference,
    )


def cancel_prompt_blocks(anomaly: Anomaly) -> list[Block]:
    a = anomaly
    where = safe(a.offer_name or a.structure_name, 200)
    return [
        section(
            f"Voulez-vous annuler l'anomalie *{a.shown_reference}* ({a.status.label}) sur la donnée "
            f"« {escape(a.data_item)} » de la ressource {safe(a.resource_id, 60)} - « {where} » ?"
        ),
        actions(
            # This prompt is the confirmation: no second dialog on its button.
            button("Confirmer l'annulation", DetailIds.CONFIRM_CANCEL, a.reference, style="danger"),
            button("Ne pas annuler", DetailIds.KEEP, a.reference),
        ),
    ]


def cancelled_text(anomaly: Anomaly) -> str:
    return f"L'anomalie {anomaly.shown_reference} est annulée (statut « {anomaly.status.label} »)."
