"""`/ror rechercher`: the resource card."""

import json

from bot.ids import SearchIds
from bot.mrkdwn import safe
from bot.views.blocks import Block, actions, button, context, fields_section, header, sections_of_lines
from domain.catalogue import ResourceKind
from domain.services import ResourceCard


def declare_value(structure_id: str, offer_id: str | None) -> str:
    return json.dumps({"s": structure_id, "o": offer_id}, ensure_ascii=False)


def resource_card_blocks(card: ResourceCard) -> list[Block]:
    resource = card.resource
    blocks: list[Block] = [header(resource.name or resource.resource_id)]
    id_label = {
        ResourceKind.STRUCTURE: "ID National Structure",
        ResourceKind.OFFRE: "ID Offre",
        ResourceKind.PROFESSIONNEL: "RPPS",
    }[resource.kind]
    fields = [
        f"*Ressource*\n{resource.kind.label}",
        f"*{id_label}*\n{safe(resource.resource_id, 100)}",
    ]
    if resource.kind is ResourceKind.OFFRE:
        fields.append(f"*Nom de l'offre*\n{safe(resource.offer_name or resource.name, 150)}")
        fields.append(
            f"*Établissement*\n{safe(resource.structure_name, 150)} ({safe(resource.structure_id, 40)})"
        )
    fields.append(
        f"*Région · Département*\n{safe(resource.region or '—', 10)} · {safe(resource.departement or '—', 10)}"
    )
    if resource.address:
        fields.append(f"*Adresse*\n{safe(resource.address, 300)}")
    fields.append(
        f"*Destinataire*\n{safe(resource.recipient, 150) if resource.recipient else 'Aucun (les anomalies seront bloquées)'}"
    )
    count = card.open_anomalies
    fields.append(
        "*Anomalies ouvertes*\n"
        + (
            "Aucune"
            if count == 0
            else f"{count} anomalie{'s' if count > 1 else ''} ouverte{'s' if count > 1 else ''}"
        )
    )
    blocks.append(fields_section(fields))
    lines = ["*Données présentes dans le ROR*"]
    lines += [f"• {item.item.label} : {safe(item.value, 200)}" for item in card.present_values]
    blocks += sections_of_lines(lines)
    buttons = []
    if resource.kind is not ResourceKind.PROFESSIONNEL:
        structure_id = (
            card.structure.resource_id if card.structure else resource.structure_id or resource.resource_id
        )
        offer_id = resource.resource_id if resource.kind is ResourceKind.OFFRE else None
        buttons.append(
            button(
                "Déclarer une anomalie",
                SearchIds.DECLARE,
                declare_value(structure_id, offer_id),
                style="primary",
            )
        )
    buttons.append(button("Voir les anomalies", SearchIds.LIST, resource.resource_id))
    blocks.append(actions(*buttons))
    blocks.append(context("Les anomalies de cette ressource visibles dans votre périmètre."))
    return blocks


def resource_card_text(card: ResourceCard) -> str:
    """The message's fallback text (notifications, screen readers): Slack reads it as mrkdwn too."""
    resource = card.resource
    return f"{resource.kind.label} {safe(resource.resource_id, 40)} — {safe(resource.name, 300)}"
