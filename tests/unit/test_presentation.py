"""How anomalies are written out (bot.presentation): the JSON shape, the SPEC §4 table, CSV, the detail view,
and one rule for dates."""

import csv
import dataclasses
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.presentation.anomalies import ANOMALY_KEYS, anomaly_to_dict, list_columns, page_to_dict
from bot.presentation.csv_writer import PLAIN, SPREADSHEET, write_anomalies_csv
from bot.presentation.dates import iso_utc
from bot.presentation.text import render_detail, render_listing, render_table
from domain.anomaly import Anomaly
from domain.ports import Page
from domain.services import DeclarationRequest, DeclaredItem, cancel_anomaly, declare_anomalies
from tests.builders import a_member, geriatrie, narbonne
from tests.fakes import FakeUnitOfWork, FixedClock

SYSTEM = "Bot Slack ROR Anomalies"
PARIS = ZoneInfo("Europe/Paris")
CAYENNE = ZoneInfo("America/Cayenne")  # UTC-3
NOUMEA = ZoneInfo("Pacific/Noumea")  # UTC+11


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
        "valeur_proposee": None,
        "systeme_declarant": SYSTEM,
        "id_declarant": a_member({"76"}).declarant_id,
        "destinataire": None,
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

    assert page_to_dict(page) == {
        "total": 2,
        "page": 1,
        "pages": 2,
        "items": [anomaly_to_dict(anomalies[0])],
    }


def test_the_table_shows_the_spec_columns_and_the_page_footer(uow, clock) -> None:
    anomalies = declare(uow, clock, ("Adresse établissement", "a"), ("Contact établissement", "b"))

    text = render_listing(Page(anomalies, total=45, page=2, size=20), PARIS)

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
    assert next(c for c, _ in list_columns(PARIS)) == "Reg."
    assert "ANO_100000000000" in text
    assert "Bloquée (destinataire manquant)" in text
    assert "15/01/2026" in text
    assert "09:30" not in text  # the day, as the ROR shows it
    assert text.splitlines()[-1] == "page 2/3 — 45 anomalies"


def test_an_empty_listing_says_so() -> None:
    assert (
        render_listing(Page([], total=0, page=1, size=20), PARIS)
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

    written = write_anomalies_csv(anomalies, stream, dialect=PLAIN)

    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert written.rows == 2
    assert not written.truncated
    assert rows[0][:3] == ["Référence", "Code statut", "Statut"]
    assert len(rows) == 3
    assert rows[1][0] == "ANO_100000000000"
    assert "ligne 1\nligne 2, « citée »" in rows[1]


def test_the_detail_shows_every_field_with_its_french_label_and_the_history(uow, clock) -> None:
    [anomaly] = declare(
        uow, clock, ("Adresse établissement", "Première ligne\nSeconde ligne"), offer="91/11359"
    )

    text = render_detail(anomaly, PARIS)

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


def test_the_utc_fields_of_the_detail_stay_utc_to_the_second_and_the_history_is_in_ror_timezone(
    uow, clock
) -> None:
    clock.at = datetime(2026, 1, 15, 15, 8, 30, tzinfo=UTC)
    [anomaly] = declare(uow, clock, ("Adresse établissement", "x"))

    for tz, local in ((CAYENNE, "15/01/2026 12:08"), (NOUMEA, "16/01/2026 02:08")):
        text = render_detail(anomaly, tz)
        assert "Création (UTC)                : 15/01/2026 15:08:30" in text
        assert "Dernière modification (UTC)   : 15/01/2026 15:08:30" in text
        assert f"Historique (fuseau {tz.key}) :" in text
        assert f"  {local} · Créée · alice@editeur.fr" in text


@pytest.mark.parametrize(
    ("tz", "day"), [(CAYENNE, "14/01/2026"), (PARIS, "15/01/2026"), (NOUMEA, "15/01/2026")]
)
def test_the_listing_shows_the_day_of_the_last_modification_in_ror_timezone(uow, clock, tz, day) -> None:
    clock.at = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)
    anomalies = declare(uow, clock, ("Adresse établissement", "x"))

    row = render_listing(Page(anomalies, total=1, page=1, size=20), tz).splitlines()[2]

    assert row.endswith(day)


def test_the_export_columns_write_utc_to_the_second(uow, clock) -> None:
    clock.at = datetime(2026, 1, 15, 15, 8, 30, tzinfo=UTC)
    anomalies = declare(uow, clock, ("Adresse établissement", "x"))
    stream = io.StringIO()

    write_anomalies_csv(anomalies, stream, dialect=PLAIN)

    header, row = csv.reader(io.StringIO(stream.getvalue()))
    assert row[header.index("Création (UTC)")] == "15/01/2026 15:08:30"
    assert row[header.index("Dernière modification (UTC)")] == "15/01/2026 15:08:30"


def test_the_json_of_an_anomaly_carries_its_recipient_and_proposed_value(uow, clock) -> None:
    request = DeclarationRequest(
        "1110000056", None, (DeclaredItem("Adresse établissement", "x", proposed_value="12 boulevard"),)
    )
    [anomaly] = declare_anomalies(
        request=request, member=a_member({"76"}), uow=uow, clock=clock, system=SYSTEM
    )
    anomaly.recipient = "referent@ch-narbonne.fr"

    data = anomaly_to_dict(anomaly, history=True)

    assert data["valeur_proposee"] == "12 boulevard"
    assert data["destinataire"] == "referent@ch-narbonne.fr"


HOSTILE = ['=HYPERLINK("http://evil.example","clic")', "+33 1 23", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("dialect", [PLAIN, SPREADSHEET], ids=["plain", "spreadsheet"])
def test_no_cell_of_any_csv_dialect_can_be_read_as_a_formula(uow, clock, dialect) -> None:
    [anomaly] = declare(uow, clock, ("Adresse établissement", "x"))
    # Any text field may come from a user or an imported directory; the writer trusts none of them.
    hostile = [dataclasses.replace(anomaly, description=value, structure_name=value) for value in HOSTILE]
    stream = io.StringIO()

    write_anomalies_csv(hostile, stream, dialect=dialect)

    text = stream.getvalue()
    assert text.startswith("\ufeff") is dialect.byte_order_mark
    header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=dialect.delimiter)
    for column in ("Description de l'anomalie", "Nom de l'établissement"):
        assert [row[header.index(column)] for row in rows] == ["'" + value for value in HOSTILE]


def test_the_writer_stops_at_its_limit_and_says_it_did(uow, clock) -> None:
    anomalies = declare(
        uow, clock, ("Adresse établissement", "a"), ("Tarifs", "b"), ("Contact établissement", "c")
    )

    exact = write_anomalies_csv(iter(anomalies), io.StringIO(), dialect=SPREADSHEET, limit=3)
    cut = write_anomalies_csv(iter(anomalies), io.StringIO(), dialect=SPREADSHEET, limit=2)

    assert (exact.rows, exact.truncated) == (3, False)
    assert (cut.rows, cut.truncated) == (2, True)
