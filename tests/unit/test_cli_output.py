"""How the CLI and notebooks write anomalies: the JSON shape, the SPEC §4 table, CSV and the detail view."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.cli.output import (
    ANOMALY_KEYS,
    LIST_COLUMNS,
    anomaly_to_dict,
    iso_utc,
    page_to_dict,
    render_detail,
    render_listing,
    render_table,
    write_csv,
)
from domain.anomaly import Anomaly
from domain.ports import Page
from domain.services import DeclarationRequest, DeclaredItem, cancel_anomaly, declare_anomalies
from tests.builders import a_member, geriatrie, narbonne
from tests.fakes import FakeUnitOfWork, FixedClock

SYSTEM = "Bot Slack ROR Anomalies"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork([narbonne(), geriatrie()])


def declare(
    uow: FakeUnitOfWork, clock: FixedClock, *items: tuple[str, str], offer: str | None = None
) -> list[Anomaly]:
    request = DeclarationRequest(
        "1110000056", offer, tuple(DeclaredItem(label, text) for label, text in items)
    )
    return declare_anomalies(request=request, member=a_member({"76"}), uow=uow, clock=clock, system=SYSTEM)


def test_iso_utc_is_second_precise_with_a_z_whatever_the_input_zone() -> None:
    paris = timezone(timedelta(hours=1))
    assert iso_utc(datetime(2026, 1, 15, 10, 30, 0, 123456, tzinfo=paris)) == "2026-01-15T09:30:00Z"


def test_the_json_of_an_anomaly_has_exactly_the_documented_keys(uow, clock) -> None:
    [anomaly] = declare(uow, clock, ("Adresse établissement", "Le numéro de rue manque."))

    data = anomaly_to_dict(anomaly)

    assert tuple(data) == ANOMALY_KEYS
    assert data == {
        "reference": "ANO_100000000000",
        "statut_code": "04",
        "statut": "Bloquée (destinataire manquant)",
        "ressource": "Structure",
        "id_ressource": "1110000056",
        "nom_etablissement": "CH NARBONNE - HOTEL DIEU",
        "nom_offre": None,
        "donnee": "Adresse établissement",
        "donnees_presentes": "Boulevard Dr Lacroix 11100 NARBONNE",
        "description": "Le numéro de rue manque.",
        "thematique": "Exactitude",
        "action": "Correction",
        "regle": None,
        "systeme_declarant": SYSTEM,
        "id_declarant": a_member({"76"}).declarant_id,
        "region": "76",
        "departement": "11",
        "creation": "2026-01-15T09:30:00Z",
        "derniere_modification": "2026-01-15T09:30:00Z",
    }
    json.dumps(data)  # serialisable as is


def test_the_history_lists_every_status_change_in_order(uow, clock) -> None:
    [anomaly] = declare(uow, clock, ("Adresse établissement", "x"))
    clock.advance(hours=2)
    cancelled = cancel_anomaly(
        reference=anomaly.reference,
        member=a_member({"76"}),
        uow=uow,
        clock=clock,
        system=SYSTEM,
        comment="doublon",
    )

    data = anomaly_to_dict(cancelled, history=True)

    assert [(h["statut_precedent"], h["statut"]) for h in data["historique"]] == [
        (None, "Créée"),
        ("Créée", "Bloquée (destinataire manquant)"),
        ("Bloquée (destinataire manquant)", "Annulée"),
    ]
    last = data["historique"][-1]
    assert last == {
        "date": "2026-01-15T11:30:00Z",
        "statut_precedent": "Bloquée (destinataire manquant)",
        "statut": "Annulée",
        "acteur": "alice@editeur.fr",
        "systeme": SYSTEM,
        "commentaire": "doublon",
    }
    assert data["derniere_modification"] == "2026-01-15T11:30:00Z"


def test_a_listing_page_in_json_has_total_page_and_items(uow, clock) -> None:
    anomalies = declare(uow, clock, ("Adresse établissement", "a"), ("Contact établissement", "b"))
    page = Page(anomalies[:1], total=2, page=1, size=1)

    assert page_to_dict(page) == {"total": 2, "page": 1, "items": [anomaly_to_dict(anomalies[0])]}


def test_the_table_shows_the_spec_columns_and_the_page_footer(uow, clock) -> None:
    anomalies = declare(uow, clock, ("Adresse établissement", "a"), ("Contact établissement", "b"))

    text = render_listing(Page(anomalies, total=45, page=2, size=20))

    header = text.splitlines()[0]
    for column in (
        "Reg.",
        "Dep.",
        "Ref.",
        "Statut",
        "Ressource en anomalie",
        "ID ressource",
        "Nom de l'établissement",
        "Nom de l'offre",
        "Donnée en anomalie",
        "Règle",
        "Dernière modification",
    ):
        assert column in header
    assert next(c for c, _ in LIST_COLUMNS) == "Reg."
    assert "ANO_100000000000" in text
    assert "Bloquée (destinataire manquant)" in text
    assert "15/01/2026 09:30 UTC" in text
    assert text.splitlines()[-1] == "page 2/3 — 45 anomalies"


def test_an_empty_listing_says_so() -> None:
    assert (
        render_listing(Page([], total=0, page=1, size=20))
        == "Aucune anomalie ne correspond.\npage 1/1 — 0 anomalie"
    )


def test_table_cells_are_one_line_and_cut_when_too_long() -> None:
    text = render_table(["A", "B"], [["line\nbreak", "x" * 100]], max_width=10)

    lines = text.splitlines()
    assert len(lines) == 3
    assert "line break" in lines[2]
    assert "x" * 9 + "…" in lines[2]
    assert "x" * 11 not in text


def test_csv_has_a_header_and_every_field_of_every_row(uow, clock) -> None:
    anomalies = declare(
        uow, clock, ("Adresse établissement", "ligne 1\nligne 2, « citée »"), ("Contact établissement", "b")
    )
    stream = io.StringIO()

    count = write_csv(anomalies, stream)

    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert count == 2
    assert rows[0][:3] == ["Référence", "Code statut", "Statut"]
    assert len(rows) == 3
    assert rows[1][0] == "ANO_100000000000"
    assert "ligne 1\nligne 2, « citée »" in rows[1]


def test_the_detail_shows_every_field_with_its_french_label_and_the_history(uow, clock) -> None:
    [anomaly] = declare(
        uow, clock, ("Adresse établissement", "Première ligne\nSeconde ligne"), offer="91/11359"
    )

    text = render_detail(anomaly)

    for label in (
        "Référence",
        "Statut",
        "Ressource en anomalie",
        "ID ressource",
        "Nom de l'établissement",
        "Nom de l'offre",
        "Région",
        "Département",
        "Donnée en anomalie",
        "Données présentes dans le ROR",
        "Description de l'anomalie",
        "Thématique",
        "Action",
        "Règle",
        "Système déclarant",
        "ID déclarant",
        "Destinataire",
        "Création (UTC)",
        "Dernière modification (UTC)",
        "Historique",
    ):
        assert label in text
    assert "Unité mobile de Gériatrie" in text
    assert "76 Occitanie" in text
    assert "Seconde ligne" in text
    assert "Créée → Bloquée (destinataire manquant)" in text


def test_dates_in_the_detail_are_utc(uow, clock) -> None:
    clock.at = datetime(2026, 7, 1, 22, 15, tzinfo=UTC)
    [anomaly] = declare(uow, clock, ("Adresse établissement", "x"))

    assert "01/07/2026 22:15 UTC" in render_detail(anomaly)
