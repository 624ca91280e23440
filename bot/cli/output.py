"""How anomalies are written out for scripts and people: one dict shape (JSON, notebooks), text tables,
CSV and the detail view. Shared by the CLI and `bot.notebook`; no rule is decided here."""

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from domain.anomaly import Anomaly, HistoryEntry
from domain.geography import REGIONS
from domain.ports import Page


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second: `2026-01-15T09:30:00Z`."""
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def display_utc(moment: datetime) -> str:
    """The French way of writing a moment, in UTC: `15/01/2026 09:30 UTC`."""
    return moment.astimezone(UTC).strftime("%d/%m/%Y %H:%M UTC")


def history_to_dict(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "date": iso_utc(entry.at),
        "statut_precedent": entry.previous.label if entry.previous is not None else None,
        "statut": entry.status.label,
        "acteur": entry.actor,
        "systeme": entry.system,
        "commentaire": entry.comment,
    }


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
    "systeme_declarant",
    "id_declarant",
    "region",
    "departement",
    "creation",
    "derniere_modification",
)


def anomaly_to_dict(anomaly: Anomaly, *, history: bool = False) -> dict[str, Any]:
    """The JSON shape of an anomaly (CLI `--format json`, notebooks); `historique` only when asked."""
    data: dict[str, Any] = {
        "reference": anomaly.reference,
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
        "systeme_declarant": anomaly.declaring_system,
        "id_declarant": anomaly.declarant_id,
        "region": anomaly.region,
        "departement": anomaly.departement,
        "creation": iso_utc(anomaly.created_at),
        "derniere_modification": iso_utc(anomaly.updated_at),
    }
    if history:
        data["historique"] = [history_to_dict(entry) for entry in anomaly.history]
    return data


def to_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def page_to_dict(page: Page[Anomaly]) -> dict[str, Any]:
    return {"total": page.total, "page": page.page, "items": [anomaly_to_dict(a) for a in page.items]}


# --- Listing columns (SPEC §4), shared by the text table and the notebook's HTML table ---------------

Column = tuple[str, Callable[[Anomaly], str]]

LIST_COLUMNS: tuple[Column, ...] = (
    ("Reg.", lambda a: a.region or ""),
    ("Dep.", lambda a: a.departement or ""),
    ("Ref.", lambda a: a.reference),
    ("Statut", lambda a: a.status.label),
    ("Ressource en anomalie", lambda a: a.kind.label),
    ("ID ressource", lambda a: a.resource_id),
    ("Nom de l'établissement", lambda a: a.structure_name),
    ("Nom de l'offre", lambda a: a.offer_name or ""),
    ("Donnée en anomalie", lambda a: a.data_item),
    ("Règle", lambda a: a.rule or ""),
    ("Dernière modification", lambda a: display_utc(a.updated_at)),
)

# Every field, for exports (one row per anomaly).
CSV_COLUMNS: tuple[Column, ...] = (
    ("Référence", lambda a: a.reference),
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
    ("Création (UTC)", lambda a: iso_utc(a.created_at)),
    ("Dernière modification (UTC)", lambda a: iso_utc(a.updated_at)),
)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count in (0, 1) else (plural_form or singular + "s")
    return f"{count} {word}"


def page_footer(page: Page[Anomaly]) -> str:
    return f"page {page.page}/{page.pages} — {plural(page.total, 'anomalie')}"


def _one_line(text: str, width: int | None = None) -> str:
    flat = " ".join(text.split())
    if width is not None and len(flat) > width:
        return flat[: max(1, width - 1)] + "…"
    return flat


def render_table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, max_width: int = 40) -> str:
    """A plain text table with aligned columns; cells are flattened to one line and cut at `max_width`."""
    cells = [[_one_line(value, max_width) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(value)) for w, value in zip(widths, row, strict=True)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def render_listing(page: Page[Anomaly]) -> str:
    """The SPEC §4 columns for one page, then `page P/N — T anomalies`."""
    if not page.items:
        message = "Aucune anomalie ne correspond." if page.total == 0 else "Cette page est vide."
        return f"{message}\n{page_footer(page)}"
    table = render_table(
        [header for header, _ in LIST_COLUMNS],
        ([value(anomaly) for _, value in LIST_COLUMNS] for anomaly in page.items),
    )
    return f"{table}\n{page_footer(page)}"


def write_csv(anomalies: Iterable[Anomaly], stream: TextIO) -> int:
    """Header row then one row per anomaly; returns how many rows were written."""
    writer = csv.writer(stream)
    writer.writerow([header for header, _ in CSV_COLUMNS])
    count = 0
    for anomaly in anomalies:
        writer.writerow([value(anomaly) for _, value in CSV_COLUMNS])
        count += 1
    return count


def _region_text(code: str | None) -> str:
    if not code:
        return "Non renseignée"
    name = REGIONS.get(code)
    return f"{code} {name}" if name else code


def detail_fields(anomaly: Anomaly) -> list[tuple[str, str]]:
    """Every field of an anomaly with its French label (SPEC §4), in reading order."""
    return [
        ("Référence", anomaly.reference),
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
        ("Création (UTC)", display_utc(anomaly.created_at)),
        ("Dernière modification (UTC)", display_utc(anomaly.updated_at)),
    ]


def render_detail(anomaly: Anomaly) -> str:
    """Every field with its French label, then the history, oldest first."""
    fields = detail_fields(anomaly)
    width = max(len(label) for label, _ in fields)
    lines = []
    for label, value in fields:
        first, *rest = value.split("\n")
        lines.append(f"{label.ljust(width)} : {first}")
        lines += [" " * (width + 3) + more for more in rest]
    lines.append("")
    lines.append("Historique :")
    lines += [f"  {history_line(entry)}" for entry in anomaly.history]
    return "\n".join(lines)


def history_line(entry: HistoryEntry) -> str:
    move = f"{entry.previous.label} → {entry.status.label}" if entry.previous else entry.status.label
    line = f"{display_utc(entry.at)} · {move} · {entry.actor} ({entry.system})"
    if entry.comment:
        line += f" · {_one_line(entry.comment)}"
    return line
