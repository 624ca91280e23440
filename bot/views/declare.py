"""The declaration modal (SPEC §5): step 1 looks the resource up, step 2 describes the items."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.ids import DeclareIds
from bot.mrkdwn import escape, safe
from bot.views.blocks import Block, context, divider, modal, option, plain, section, sections_of_lines

TITLE = "Déclarer une anomalie"
MAX_DESCRIPTION = 800


# A description holds 800 characters; escaped in JSON that stays well inside private_metadata's 3000.
PREFILL_MAX = 800


@dataclass(frozen=True, slots=True)
class DeclareTarget:
    """Which resource the modal is about; travels in private_metadata."""

    structure_id: str
    offer_id: str | None = None
    # Text of the message the modal was opened from (message shortcut): the first draft of each description.
    prefill: str = ""

    def encode(self) -> str:
        data: dict[str, Any] = {"s": self.structure_id, "o": self.offer_id}
        if self.prefill:
            # Control characters would be refused in a description anyway, and escape to 6 characters.
            data["d"] = "".join(c for c in self.prefill if c == "\n" or c.isprintable())[:PREFILL_MAX]
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def decode(cls, metadata: str) -> "DeclareTarget":
        data = json.loads(metadata or "{}")
        return cls(
            structure_id=str(data.get("s") or ""),
            offer_id=data.get("o") or None,
            prefill=str(data.get("d") or ""),
        )


@dataclass(frozen=True, slots=True)
class DeclareForm:
    """Step 2 as the user sees it: the resource, the items of its kind, what is chosen and typed."""

    target: DeclareTarget
    resource_name: str
    resource_label: str  # e.g. "Structure 1110000056"
    item_labels: Sequence[str]
    present_values: Mapping[str, str]
    selected: Sequence[str] = ()
    descriptions: Mapping[str, str] = field(default_factory=dict)
    proposed: Mapping[str, str] = field(default_factory=dict)


def description_block_id(index: int) -> str:
    return f"{DeclareIds.DESCRIPTION_BLOCK}{index}"


def proposed_block_id(index: int) -> str:
    return f"{DeclareIds.PROPOSED_BLOCK}{index}"


def lookup_modal(
    *, structure_id: str = "", offer_id: str = "", error: str | None = None, prefill: str = ""
) -> dict[str, Any]:
    structure_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": DeclareIds.STRUCTURE_INPUT,
        "max_length": 40,
        "placeholder": plain("par exemple 1110000056", 150),
    }
    if structure_id:
        structure_input["initial_value"] = structure_id[:40]
    offer_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": DeclareIds.OFFER_INPUT,
        "max_length": 40,
        "placeholder": plain("par exemple 91/11359", 150),
    }
    if offer_id:
        offer_input["initial_value"] = offer_id[:40]
    blocks: list[Block] = [
        section("Indiquez la ressource du ROR sur laquelle porte l'anomalie."),
    ]
    if prefill:
        blocks.append(context("Le texte du message servira de première version de chaque description."))
    if error:
        blocks.append(context(f":warning: {escape(error)}"))
    blocks += [
        {
            "type": "input",
            "block_id": DeclareIds.STRUCTURE_BLOCK,
            "label": plain("ID National Structure", 2000),
            "hint": plain("1 + FINESS, 2 + SIREN, 3 + SIRET, 0 ou 4 + identifiant de cabinet.", 2000),
            "element": structure_input,
        },
        {
            "type": "input",
            "block_id": DeclareIds.OFFER_BLOCK,
            "optional": True,
            "label": plain("ID Offre", 2000),
            "hint": plain("Facultatif : l'offre de cette structure en anomalie.", 2000),
            "element": offer_input,
        },
    ]
    return modal(
        title=TITLE,
        blocks=blocks,
        callback_id=DeclareIds.LOOKUP_MODAL,
        submit="Rechercher",
        close="Annuler",
        private_metadata=DeclareTarget(structure_id="", prefill=prefill).encode() if prefill else "",
    )


def form_modal(form: DeclareForm) -> dict[str, Any]:
    options = [option(label, str(i)) for i, label in enumerate(form.item_labels)]
    items_select: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": DeclareIds.ITEMS_SELECT,
        "placeholder": plain("Choisissez une ou plusieurs données", 150),
        "options": options[:100],
    }
    selected = [label for label in form.item_labels if label in set(form.selected)]
    if selected:
        items_select["initial_options"] = [
            option(label, str(form.item_labels.index(label))) for label in selected
        ]
    blocks: list[Block] = [
        section(f"*{safe(form.resource_name, 200)}*\n{safe(form.resource_label, 200)}"),
        {
            "type": "input",
            "block_id": DeclareIds.ITEMS_BLOCK,
            "dispatch_action": True,
            "label": plain("Données en anomalie", 2000),
            "hint": plain("Une anomalie est créée pour chaque donnée choisie.", 2000),
            "element": items_select,
        },
    ]
    if not selected:
        blocks.append(
            context("Choisissez les données en anomalie : un champ de description s'affiche pour chacune.")
        )
    for label in selected:
        index = form.item_labels.index(label)
        present = form.present_values.get(label) or "Non renseigné"
        blocks.append(divider())
        blocks += sections_of_lines(
            [f"*{escape(label)}*", f"*Données présentes dans le ROR* : {safe(present, 1500)}"]
        )
        description: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": DeclareIds.DESCRIPTION_INPUT,
            "multiline": True,
            "max_length": MAX_DESCRIPTION,
            "placeholder": plain("Décrivez l'erreur constatée (800 caractères au plus)", 150),
        }
        if form.descriptions.get(label):
            description["initial_value"] = form.descriptions[label][:MAX_DESCRIPTION]
        blocks.append(
            {
                "type": "input",
                "block_id": description_block_id(index),
                "label": plain(f"Description de l'anomalie — {label}", 2000),
                "element": description,
            }
        )
        proposed: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": DeclareIds.PROPOSED_INPUT,
            "max_length": 500,
        }
        if form.proposed.get(label):
            proposed["initial_value"] = form.proposed[label][:500]
        blocks.append(
            {
                "type": "input",
                "block_id": proposed_block_id(index),
                "optional": True,
                "label": plain(f"Valeur proposée — {label}", 2000),
                "element": proposed,
            }
        )
    return modal(
        title=TITLE,
        blocks=blocks,
        callback_id=DeclareIds.FORM_MODAL,
        submit="Déclarer une anomalie",
        close="Annuler",
        private_metadata=form.target.encode(),
    )


def done_modal(confirmation: str) -> dict[str, Any]:
    lines = confirmation.split("\n")
    blocks: list[Block] = [section(":white_check_mark: " + escape(lines[0]))]
    blocks += sections_of_lines([f"• {escape(line)}" for line in lines[1:]])
    blocks.append(
        context("Ce récapitulatif vous est aussi envoyé en message privé. `/ror anomalies` pour les suivre.")
    )
    return modal(
        title="Anomalies déclarées", blocks=blocks, callback_id=DeclareIds.DONE_MODAL, close="Fermer"
    )


def sending_modal(count: int) -> dict[str, Any]:
    """Connected mode, right after the submission: the POSTs to the ROR national are on their way."""
    noun = "votre anomalie" if count == 1 else f"vos {count} anomalies"
    return message_modal(
        "Envoi au ROR national", f":hourglass_flowing_sand: Envoi de {noun} au ROR national en cours…"
    )


def message_modal(title: str, text: str) -> dict[str, Any]:
    """A one-message modal, used to answer a submission that cannot go further."""
    return modal(
        title=title, blocks=[section(escape(text))], callback_id=DeclareIds.DONE_MODAL, close="Fermer"
    )


def confirmation_blocks(confirmation: str) -> list[Block]:
    """The SPEC §4 confirmation as message blocks (escaped, split to Slack's section limit)."""
    return sections_of_lines([escape(line) for line in confirmation.split("\n")])
