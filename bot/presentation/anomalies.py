"""An anomaly's fields as people and scripts read them: JSON keys, listing columns, export columns and the
detail's French labels (SPEC §4). No rule is decided here."""

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot.presentation.dates import iso_utc, local_date, local_minute, utc_seconds
from domain.anomaly import Anomaly, HistoryEntry
from domain.geography import REGIONS
from domain.ports import Page

# The JSON shape of an anomaly (CLI `--format json`, notebooks, DataFrame columns), in this order.
ANOMALY_KEYS = (
    "reference",
    "statut_code",
    "statut",
    "ressource",
    "id_ressource",
    "nom_etablissement",
    "nom_offre",
    "donnee",
    "donnees_presentes",
    "description",
    "thematique",
    "action",
    "regle",
    "valeur_proposee",
    "systeme_declarant",
    "id_declarant",
    "destinataire",
    "region",
    "departement",
    "creation",
    "derniere_modification",
)
DATE_KEYS = ("creation", "derniere_modification")


def history_to_dict(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "date": iso_utc(entry.at),
        "statut_precedent": entry.previous.label if entry.previous is not None else None,
        "statut": entry.status.label,
        "acteur": entry.actor,
        "systeme": entry.system,
        "commentaire": entry.comment,
    }


def anomaly_to_dict(anomaly: Anomaly, *, history: bool = False) -> dict[str, Any]:
    """Every field under its JSON key (dates ISO 8601 UTC); `historique` only when asked."""
    data: dict[str, Any] = {
        "reference": anomaly.shown_reference,
        "statut_code": anomaly.status.code,
        "statut": anomaly.status.label,
        "ressource": anomaly.kind.label,
        "id_ressource": anomaly.resource_id,
        "nom_etablissement": anomaly.structure_name,
        "nom_offre": anomaly.offer_name,
        "donnee": anomaly.data_item,
        "donnees_presentes": anomaly.present_value,
        "description": anomaly.description,
        "thematique": anomaly.thematique.label,
        "action": anomaly.action.label,
        "regle": anomaly.rule,
        "valeur_proposee": anomaly.proposed_value,
        "systeme_declarant": anomaly.declaring_system,
        "id_declarant": anomaly.declarant_id,
        "destinataire": anomaly.recipient,
        "region": anomaly.region,
        "departement": anomaly.departement,
        "creation": iso_utc(anomaly.created_at),
        "derniere_modification": iso_utc(anomaly.updated_at),
    }
    if history:
        data["historique"] = [history_to_dict(entry) for entry in anomaly.history]
    return data


def page_to_dict(page: Page[Anomaly]) -> dict[str, Any]:
    return {
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "items": [anomaly_to_dict(a) for a in page.items],
    }


Column = tuple[str, Callable[[Anomaly], str]]


def list_columns(tz: ZoneInfo) -> tuple[Column, ...]:
    """The listing's columns (SPEC §4); *Dernière modification* is the day in `tz`, as the filters read it."""
    return (
        ("Reg.", lambda a: a.region or ""),
        ("Dep.", lambda a: a.departement or ""),
        ("Ref.", lambda a: a.labelled_reference),
        ("Statut", lambda a: a.status.label),
        ("Ressource en anomalie", lambda a: a.kind.label),
        ("ID ressource", lambda a: a.resource_id),
        ("Nom de l'établissement", lambda a: a.structure_name),
        ("Nom de l'offre", lambda a: a.offer_name or ""),
        ("Donnée en anomalie", lambda a: a.data_item),
        ("Règle", lambda a: a.rule or ""),
        ("Dernière modification", lambda a: local_date(a.updated_at, tz)),
    )


# Every field, one row per anomaly: the CSV files of the CLI and of the Slack export.
EXPORT_COLUMNS: tuple[Column, ...] = (
    ("Référence", lambda a: a.shown_reference),
    ("Code statut", lambda a: a.status.code),
    ("Statut", lambda a: a.status.label),
    ("Ressource en anomalie", lambda a: a.kind.label),
    ("ID ressource", lambda a: a.resource_id),
    ("Nom de l'établissement", lambda a: a.structure_name),
    ("Nom de l'offre", lambda a: a.offer_name or ""),
    ("Région", lambda a: a.region or ""),
    ("Département", lambda a: a.departement or ""),
    ("Donnée en anomalie", lambda a: a.data_item),
    ("Données présentes dans le ROR", lambda a: a.present_value),
    ("Description de l'anomalie", lambda a: a.description),
    ("Thématique", lambda a: a.thematique.label),
    ("Action", lambda a: a.action.label),
    ("Règle", lambda a: a.rule or ""),
    ("Valeur proposée", lambda a: a.proposed_value or ""),
    ("Système déclarant", lambda a: a.declaring_system),
    ("ID déclarant", lambda a: a.declarant_id),
    ("Destinataire", lambda a: a.recipient or ""),
    ("Création (UTC)", lambda a: utc_seconds(a.created_at)),
    ("Dernière modification (UTC)", lambda a: utc_seconds(a.updated_at)),
)


def _region_text(code: str | None) -> str:
    if not code:
        return "Non renseignée"
    name = REGIONS.get(code)
    return f"{code} {name}" if name else code


def detail_fields(anomaly: Anomaly) -> list[tuple[str, str]]:
    """Every field of an anomaly with its French label (SPEC §4), in reading order."""
    return [
        ("Référence", anomaly.labelled_reference),
        ("Statut", f"{anomaly.status.code} {anomaly.status.label}"),
        ("Ressource en anomalie", anomaly.kind.label),
        ("ID ressource", anomaly.resource_id),
        ("Nom de l'établissement", anomaly.structure_name),
        ("Nom de l'offre", anomaly.offer_name or "—"),
        ("Région", _region_text(anomaly.region)),
        ("Département", anomaly.departement or "Non renseigné"),
        ("Donnée en anomalie", anomaly.data_item),
        ("Données présentes dans le ROR", anomaly.present_value),
        ("Description de l'anomalie", anomaly.description),
        ("Thématique", anomaly.thematique.label),
        ("Action", anomaly.action.label),
        ("Règle", anomaly.rule or "—"),
        ("Valeur proposée", anomaly.proposed_value or "—"),
        ("Système déclarant", anomaly.declaring_system),
        ("ID déclarant", anomaly.declarant_id),
        ("Destinataire", anomaly.recipient or "Aucun"),
        ("Création (UTC)", utc_seconds(anomaly.created_at)),
        ("Dernière modification (UTC)", utc_seconds(anomaly.updated_at)),
    ]


def history_heading(tz: ZoneInfo) -> str:
    return f"Historique (fuseau {tz.key})"


def one_line(text: str, width: int | None = None) -> str:
    """Flattened to one line; cut with `…` beyond `width`."""
    flat = " ".join(text.split())
    if width is not None and len(flat) > width:
        return flat[: max(1, width - 1)] + "…"
    return flat


def history_line(entry: HistoryEntry, tz: ZoneInfo) -> str:
    move = f"{entry.previous.label} → {entry.status.label}" if entry.previous else entry.status.label
    line = f"{local_minute(entry.at, tz)} · {move} · {entry.actor} ({entry.system})"
    if entry.comment:
        line += f" · {one_line(entry.comment)}"
    return line


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count in (0, 1) else (plural_form or singular + "s")
    return f"{count} {word}"


def page_footer(page: Page[Anomaly]) -> str:
    return f"page {page.page}/{page.pages} — {plural(page.total, 'anomalie')}"
