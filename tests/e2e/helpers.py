"""Reading what the user sees in the fake Slack's recorded calls, and seeding anomalies."""

from typing import Any

from bot.context import AppContext
from domain.anomaly import Anomaly
from domain.habilitation import Member, Perimeter
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies
from tests.slack_limits import all_text

ALICE_MEMBER = Member(
    email="alice@editeur.fr", group="Éditeur Occitanie", perimeter=Perimeter.of_regions(["76"])
)


def declare(context: AppContext, *labels: str, offer: str | None = None) -> list[Anomaly]:
    request = DeclarationRequest(
        structure_id="1110000056",
        offer_id=offer,
        items=tuple(DeclaredItem(label, f"Erreur sur {label}") for label in labels),
    )
    return declare_anomalies(
        request=request, member=ALICE_MEMBER, uow=context.uow(), clock=context.clock, system=context.system
    )


def seen(payload: Any) -> str:
    return all_text(payload)


def input_blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Buttons by their text, anywhere in the blocks."""
    found: dict[str, dict[str, Any]] = {}
    for block in blocks:
        elements = list(block.get("elements", [])) + ([block["accessory"]] if "accessory" in block else [])
        for element in elements:
            if element.get("type") == "button":
                found.setdefault(element["text"]["text"], element)
    return found
