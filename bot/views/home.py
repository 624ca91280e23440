"""The App Home tab."""

from collections.abc import Mapping
from typing import Any

from bot.ids import DeclareIds, HomeIds
from bot.mrkdwn import escape, safe
from bot.views.blocks import Block, actions, button, context, divider, header, section
from domain.statuses import BLOCKED, Status


def display_name(profile: Mapping[str, Any]) -> str:
    """« prénom NOM » from a Slack profile: first name as written, last name in capitals."""
    first = str(profile.get("first_name") or "").strip()
    last = str(profile.get("last_name") or "").strip()
    if first and last:
        return f"{first} {last.upper()}"
    real = str(profile.get("real_name") or profile.get("display_name") or "").strip()
    parts = real.split()
    if len(parts) >= 2:
        return f"{' '.join(parts[:-1])} {parts[-1].upper()}"
    return real


def home_view(*, name: str, group: str, perimeter: str, counts: Mapping[Status, int]) -> dict[str, Any]:
    total = sum(counts.values())
    blocks: list[Block] = [
        header(f"Bienvenue, {name}" if name else "Bienvenue"),
        section(
            f"Groupe d'habilitation *{safe(group, 150)}* · périmètre : {safe(perimeter, 1000)}.\n"
            "Déclarez et suivez ici les anomalies du ROR national."
        ),
        actions(
            button("Déclarer une anomalie", DeclareIds.OPEN_MODAL, "home", style="primary"),
            button("Voir les anomalies", HomeIds.LIST_ALL, "all"),
            button("Anomalies bloquées", HomeIds.LIST_BLOCKED, "blocked"),
        ),
        divider(),
        section(f"*Anomalies de votre périmètre par statut* ({total} au total)"),
    ]
    lines = [f"`{s.code}` {s.label} : *{counts.get(s, 0)}*" for s in Status]
    blocks.append(section("\n".join(lines)))
    blocked = sum(counts.get(s, 0) for s in BLOCKED)
    if blocked:
        blocks.append(
            context(
                f":warning: {blocked} anomalie{'s' if blocked > 1 else ''} bloquée{'s' if blocked > 1 else ''} "
                "attend{} un destinataire.".format("ent" if blocked > 1 else "")
            )
        )
    blocks.append(context("Tapez `/ror aide` dans n'importe quel canal pour la liste des commandes."))
    return {"type": "home", "blocks": blocks}


def not_habilitated_home(message: str) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [
            header("ROR Anomalies"),
            section(escape(message)),
        ],
    }
