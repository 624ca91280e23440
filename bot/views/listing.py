"""`/ror anomalies`: the paged list message and the *Filtrer* modal."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.ids import ListIds
from bot.mrkdwn import escape, safe
from bot.presentation.csv_writer import Written
from bot.views.blocks import (
    Block,
    actions,
    button,
    confirm,
    context,
    divider,
    header,
    modal,
    option,
    plain,
    section,
)
from domain.anomaly import Anomaly
from domain.catalogue import ALL_DATA_ITEM_LABELS, ResourceKind
from domain.errors import InvalidFilter
from domain.filters import AnomalyFilter, parse_filter_words
from domain.ports import Page
from domain.statuses import Status

# Says what it does: « Annuler la sélection » read as "clear the selection".
CANCEL_CHECKED = "Annuler les anomalies cochées"
PAGE_SIZE = 10  # a checkboxes element holds at most 10 options
VALUE_MAX = 2000


@dataclass(frozen=True, slots=True)
class ListState:
    """The filter and page of a list message; travels in button values and private_metadata."""

    words: tuple[str, ...] = ()
    page: int = 1

    @classmethod
    def of(cls, flt: AnomalyFilter, page: int = 1) -> "ListState":
        state = cls(tuple(flt.to_words()), page)
        if len(state.encode()) > VALUE_MAX - 100:
            raise InvalidFilter(
                "Ces filtres sont trop longs pour Slack : raccourcissez-les (2 000 caractères au plus)."
            )
        return state

    @property
    def filter(self) -> AnomalyFilter:
        return parse_filter_words(list(self.words))

    def encode(self) -> str:
        return json.dumps({"f": list(self.words), "p": self.page}, ensure_ascii=False, separators=(",", ":"))

    def at(self, page: int) -> "ListState":
        return ListState(self.words, max(1, page))

    @classmethod
    def decode(cls, value: str | None) -> "ListState":
        if not value:
            return cls()
        data = json.loads(value)
        return cls(tuple(str(w) for w in data.get("f", [])), int(data.get("p", 1)))


def _status_line(anomaly: Anomaly) -> str:
    return f"{anomaly.status.code} {anomaly.status.label}"


def row_text(anomaly: Anomaly, tz: ZoneInfo) -> str:
    modified = anomaly.updated_at.astimezone(tz).strftime("%d/%m/%Y %H:%M")
    return "\n".join(
        [
            f"*{anomaly.labelled_reference}* · {_status_line(anomaly)}",
            f"Reg. {safe(anomaly.region or '—', 5)} · Dep. {safe(anomaly.departement or '—', 5)} · "
            f"{anomaly.kind.label} {safe(anomaly.resource_id, 40)}",
            f"Nom de l'établissement : {safe(anomaly.structure_name, 120)}"
            + (f" · Nom de l'offre : {safe(anomaly.offer_name, 120)}" if anomaly.offer_name else ""),
            f"Donnée : {escape(anomaly.data_item)} · Règle : {safe(anomaly.rule or '—', 60)} · "
            f"Dernière modification : {modified}",
        ]
    )


def list_blocks(
    page: Page[Anomaly], state: ListState, flt: AnomalyFilter, tz: ZoneInfo, *, notice: str | None = None
) -> list[Block]:
    blocks: list[Block] = [header("Anomalies de votre périmètre")]
    if notice:
        blocks.append(section(notice))
    total = page.total
    summary = safe(flt.describe(), 1500)
    if total == 0:
        counted = "Aucune anomalie ne correspond."
    else:
        first = (page.page - 1) * page.size + 1
        last = first + len(page.items) - 1
        counted = (
            f"{total} anomalie{'s' if total > 1 else ''} · {first} à {last} · page {page.page}/{page.pages}"
        )
    blocks.append(section(f"*{summary}*\n{counted}"))
    value = state.encode()
    controls = [button("Filtrer", ListIds.FILTER, value, style="primary")]
    if not flt.is_empty:
        controls.append(button("Remise à zéro", ListIds.RESET, ListState().encode()))
    controls.append(button("Toutes mes anomalies", ListIds.ALL, ListState().encode()))
    if total:
        controls.append(button("Exporter (CSV)", ListIds.EXPORT, value))
    blocks.append(actions(*controls))
    if page.items:
        blocks.append(divider())
    for anomaly in page.items:
        blocks.append(
            section(row_text(anomaly, tz), accessory=button("Voir", ListIds.SHOW, anomaly.reference))
        )
    if page.items:
        blocks.append(divider())
        blocks.append(
            actions(
                {
                    "type": "checkboxes",
                    "action_id": ListIds.SELECT,
                    "options": [option(a.labelled_reference, a.reference) for a in page.items[:10]],
                },
                block_id=ListIds.SELECTION_BLOCK,
            )
        )
    nav = []
    if page.has_previous:
        nav.append(button("Précédent", ListIds.PREVIOUS, state.at(page.page - 1).encode()))
    if page.has_next:
        nav.append(button("Suivant", ListIds.NEXT, state.at(page.page + 1).encode()))
    if page.items:
        nav.append(
            button(
                CANCEL_CHECKED,
                ListIds.CANCEL_SELECTION,
                value,
                style="danger",
                confirm_dialog=confirm(
                    "Annuler les anomalies ?",
                    "Les anomalies cochées passeront au statut *Annulée*. Cette action est définitive.",
                    "Annuler les anomalies",
                    "Ne rien faire",
                ),
            )
        )
    if nav:
        blocks.append(actions(*nav))
    blocks.append(context(f"Trié par dernière modification, la plus récente d'abord. Heures : {tz.key}."))
    return blocks


def french_number(number: int) -> str:
    """`1 048 575`: thousands separated by a narrow no-break space."""
    return f"{number:,}".replace(",", "\u202f")


def export_comment(written: Written, flt: AnomalyFilter, *, limit: int) -> str:
    """The message that goes with the *Exporter (CSV)* file; states the row cap when it cut the file."""
    rows = written.rows
    text = f"Export CSV : {french_number(rows)} anomalie{'s' if rows > 1 else ''} ({flt.describe()})."
    if written.truncated:
        text += (
            f" Limite atteinte : le fichier s'arrête aux {french_number(limit)} anomalies les plus récemment "
            f"modifiées (une feuille Excel a au plus {french_number(limit + 1)} lignes, en-tête compris). "
            "Affinez les filtres pour exporter les autres."
        )
    return escape(text)


def list_text(page: Page[Anomaly]) -> str:
    return f"{page.total} anomalie{'s' if page.total > 1 else ''} dans votre périmètre."


# --- The *Filtrer* modal ------------------------------------------------------------------------


def _text_input(block_id: str, label: str, initial: str, hint: str, max_length: int = 500) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ListIds.F_INPUT,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label, 2000),
        "hint": plain(hint, 2000),
        "element": element,
    }


def _multi_select(block_id: str, label: str, options: list[dict[str, Any]], initial: Sequence[str]) -> Block:
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": ListIds.F_INPUT,
        "placeholder": plain("Toutes", 150),
        "options": options[:100],
    }
    chosen = [o for o in options if o["value"] in set(initial)]
    if chosen:
        element["initial_options"] = chosen
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label, 2000),
        "element": element,
    }


def _datepicker(block_id: str, label: str, initial: date | None) -> Block:
    element: dict[str, Any] = {
        "type": "datepicker",
        "action_id": ListIds.F_INPUT,
        "placeholder": plain("jj/mm/aaaa", 150),
    }
    if initial is not None:
        element["initial_date"] = initial.isoformat()
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label, 2000),
        "element": element,
    }


def filter_modal(flt: AnomalyFilter, *, private_metadata: str) -> dict[str, Any]:
    statuses = [option(f"{s.code} {s.label}", s.code) for s in Status]
    kinds = [option(k.label, k.slug) for k in ResourceKind]
    items = [option(label, label) for label in ALL_DATA_ITEM_LABELS]
    blocks: list[Block] = [
        _text_input(
            ListIds.F_REGION,
            "Région",
            ",".join(sorted(flt.regions)),
            "Codes INSEE, séparés par des virgules (76,93).",
        ),
        _text_input(
            ListIds.F_DEP,
            "Département",
            ",".join(sorted(flt.departements)),
            "Codes, séparés par des virgules (11,34).",
        ),
        _text_input(
            ListIds.F_REF, "Référence", flt.reference_prefix or "", "Début de la référence (ANO_1000)."
        ),
        _multi_select(ListIds.F_STATUS, "Statut", statuses, [s.code for s in flt.statuses]),
        _multi_select(ListIds.F_KIND, "Ressource en anomalie", kinds, [k.slug for k in flt.kinds]),
        _text_input(
            ListIds.F_NAME,
            "Nom de l'établissement",
            flt.name_contains or "",
            "Contient (majuscules et accents indifférents).",
        ),
        _text_input(
            ListIds.F_ID,
            "ID ressource",
            ",".join(sorted(flt.resource_ids)),
            "ID National Structure, ID Offre ou RPPS.",
        ),
        _multi_select(ListIds.F_ITEM, "Donnée en anomalie", items, sorted(flt.data_items)),
        _datepicker(ListIds.F_FROM, "Dernière modification du", flt.modified_from),
        _datepicker(ListIds.F_TO, "Dernière modification au", flt.modified_to),
    ]
    return modal(
        title="Filtrer les anomalies",
        blocks=blocks,
        callback_id=ListIds.FILTER_MODAL,
        submit="Filtrer",
        close="Annuler",
        private_metadata=private_metadata,
    )
