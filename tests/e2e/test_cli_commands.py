"""`ror-bot` commands run in-process on a real SQLite database, read as a user of the terminal reads them."""

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Store
from storage.maintenance import counts_are_exact
from tests.e2e.cli_runner import Cli, open_demo_cli_store

REFERENCE = re.compile(r"ANO_\d{12}")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    opened = open_demo_cli_store(tmp_path, monkeypatch)
    yield opened
    opened.dispose()


@pytest.fixture
def cli(store: Store, capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(capsys)
    runner.ok("group", "create", "Éditeur Occitanie", "--regions", "76")
    runner.ok("group", "add-member", "Éditeur Occitanie", "alice@editeur.fr")
    runner.ok("group", "create", "Éditeur ARA", "--regions", "84")
    runner.ok("group", "add-member", "Éditeur ARA", "bob@editeur.fr")
    return runner


def declare_two(cli: Cli) -> list[str]:
    out = cli.ok(
        "anomalies",
        "declare",
        "--as",
        "alice@editeur.fr",
        "--structure",
        "1110000056",
        "--donnee",
        "Adresse établissement",
        "--description",
        "Le numéro de rue manque",
        "--donnee",
        "Contact établissement",
        "--description",
        "Le standard a changé",
    )
    return REFERENCE.findall(out)


# --- groups and recipients ------------------------------------------------------------------------------


def test_group_list_shows_perimeters_with_region_names_and_members(cli: Cli) -> None:
    cli.ok("group", "create", "ANS", "--national")

    out = cli.ok("group", "list")

    assert "Éditeur Occitanie — périmètre : 76 Occitanie" in out
    assert "membres : alice@editeur.fr" in out
    assert "ANS — périmètre : national" in out
    data = json.loads(cli.ok("group", "list", "--format", "json"))
    assert {
        "nom": "Éditeur ARA",
        "national": False,
        "regions": ["84"],
        "perimetre": "84 Auvergne-Rhône-Alpes",
        "membres": ["bob@editeur.fr"],
    } in data


def test_group_mistakes_are_one_french_line(cli: Cli) -> None:
    assert "existe déjà" in cli.fails("group", "create", "Éditeur Occitanie", "--regions", "76")
    assert "n'est pas un code de région" in cli.fails("group", "create", "X", "--regions", "77")
    assert "Aucun groupe" in cli.fails("group", "add-member", "Inconnu", "carol@editeur.fr")
    assert "n'est pas une adresse e-mail" in cli.fails("group", "add-member", "Éditeur ARA", "carol")
    assert "déjà membre" in cli.fails("group", "add-member", "Éditeur ARA", "alice@editeur.fr")
    assert "n'est pas membre" in cli.fails("group", "remove-member", "Éditeur ARA", "alice@editeur.fr")
    assert "Aucun groupe" in cli.fails("group", "remove-member", "Inconnu", "alice@editeur.fr")


def test_a_removed_member_loses_access_at_once(cli: Cli) -> None:
    cli.ok("group", "remove-member", "Éditeur ARA", "bob@editeur.fr")

    assert "rattachée à aucun groupe" in cli.fails("anomalies", "list", "--as", "bob@editeur.fr")


def test_naming_a_recipient_sends_the_blocked_anomalies(cli: Cli) -> None:
    refs = declare_two(cli)

    out = cli.ok("recipient", "set", "1110000056", "referent@ch-narbonne.fr")

    assert "2 anomalies bloquées envoyées au destinataire" in out
    listing = json.loads(cli.ok("anomalies", "list", "--as", "alice@editeur.fr", "--format", "json"))
    assert {item["reference"]: item["statut"] for item in listing["items"]} == dict.fromkeys(
        refs, "Envoyée au destinataire"
    )
    assert "Aucune structure" in cli.fails("recipient", "set", "1999999999", "x@y.fr")


def test_recipient_errors_names_the_wrong_recipients_and_the_fix(cli: Cli) -> None:
    assert "Aucun destinataire erroné" in cli.ok("recipient", "errors")
    refs = declare_two(cli)
    cli.ok("recipient", "set", "1110000056", "ancien@ch-narbonne.fr")
    for ref in refs:  # as the notifier does for a recipient with no Slack account
        cli.ok("anomalies", "transition", "--status", "bloquee_errone", ref)

    out = cli.ok("recipient", "errors")

    assert "Structure 1110000056 (« CH NARBONNE - HOTEL DIEU ») : ancien@ch-narbonne.fr" in out
    assert "2 anomalies bloquées depuis le" in out
    assert "ror-bot recipient set ID_RESSOURCE ADRESSE" in out
    cli.ok("recipient", "set", "1110000056", "referent@ch-narbonne.fr")
    assert "Aucun destinataire erroné" in cli.ok("recipient", "errors")


def test_db_rebuild_counts_repairs_wrong_counters(cli: Cli, store: Store) -> None:
    declare_two(cli)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE anomaly_counts SET n = n + 5"))
        assert not counts_are_exact(connection)

    assert "ils ne l'étaient pas et sont corrigés" in cli.ok("db", "rebuild-counts")

    with store.engine.connect() as connection:
        assert counts_are_exact(connection)
    assert "ils étaient exacts" in cli.ok("db", "rebuild-counts")
    listing = json.loads(cli.ok("anomalies", "list", "--as", "alice@editeur.fr", "--format", "json"))
    assert listing["total"] == 2


# --- declare ----------------------------------------------------------------------------------------------


def test_declare_prints_the_spec_confirmation(cli: Cli) -> None:
    out = cli.ok(
        "anomalies",
        "declare",
        "--as",
        "alice@editeur.fr",
        "--structure",
        "1110000056",
        "--offre",
        "91/11359",
        "--donnee",
        "Horaires",
        "--description",
        "Fermé le samedi",
    )

    assert re.fullmatch(
        r"Les anomalies suivantes ont été créées :\n"
        r"ANO_\d{12} pour la ressource 91/11359 - « Unité mobile de Gériatrie » sur la donnée « Horaires »\n",
        out,
    )


def test_declare_needs_one_description_per_data_item(cli: Cli) -> None:
    line = cli.fails(
        "anomalies",
        "declare",
        "--as",
        "alice@editeur.fr",
        "--structure",
        "1110000056",
        "--donnee",
        "Adresse établissement",
        "--donnee",
        "Contact établissement",
        "--description",
        "x",
    )

    assert "2 --donnee pour 1 --description" in line


def test_each_problem_of_a_declaration_is_its_own_line_and_nothing_is_created(cli: Cli) -> None:
    code, out, err = cli(
        "anomalies",
        "declare",
        "--as",
        "alice@editeur.fr",
        "--structure",
        "1110000056",
        "--donnee",
        "Adresse établissement",
        "--description",
        "x" * 801,
        "--donnee",
        "Couleur des murs",
        "--description",
        "beige",
    )

    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith("Erreur : ") for line in lines)
    assert any("801 caractères" in line for line in lines)
    assert any("Couleur des murs" in line for line in lines)
    assert (
        json.loads(cli.ok("anomalies", "list", "--as", "alice@editeur.fr", "--format", "json"))["total"] == 0
    )


def test_declaring_outside_the_perimeter_is_answered_as_unknown(cli: Cli) -> None:
    line = cli.fails(
        "anomalies",
        "declare",
        "--as",
        "bob@editeur.fr",
        "--structure",
        "1110000056",
        "--donnee",
        "Adresse établissement",
        "--description",
        "x",
    )

    assert "Aucune structure d'identifiant 1110000056 n'est accessible dans votre périmètre." in line


def test_a_non_member_is_told_how_to_ask_for_access(cli: Cli) -> None:
    line = cli.fails("anomalies", "list", "--as", "mallory@ailleurs.fr")

    assert "monserviceclient.ror@esante.gouv.fr" in line


# --- list ----------------------------------------------------------------------------------------------


def test_list_table_shows_the_spec_columns_and_a_page_footer(cli: Cli) -> None:
    refs = declare_two(cli)

    out = cli.ok("anomalies", "list", "--as", "alice@editeur.fr", "statut=bloquee")

    lines = out.splitlines()
    assert lines[0].split("  ")[0] == "Reg."
    assert "Dernière modification" in lines[0]
    assert all(ref in out for ref in refs)
    assert out.count("Bloquée (destinataire manquant)") == 2
    assert lines[-1] == "page 1/1 — 2 anomalies"


def test_list_filters_are_key_value_words(cli: Cli) -> None:
    declare_two(cli)

    def total(*words: str) -> int:
        out = cli.ok("anomalies", "list", "--as", "alice@editeur.fr", "--format", "json", *words)
        return int(json.loads(out)["total"])

    assert total("nom=hôtel dieu") == 2
    assert total("donnee=adresse etablissement") == 1
    assert total("statut=corrigee,annulee") == 0
    assert total("region=76", "dep=11", "ressource=structure", "id=1110000056", "ref=ANO_1") == 2
    assert total("du=15/01/2020", "au=31/12/2099") == 2


def test_a_bad_filter_is_a_precise_error(cli: Cli) -> None:
    assert "Filtre inconnu « couleur »" in cli.fails(
        "anomalies", "list", "--as", "alice@editeur.fr", "couleur=bleu"
    )
    assert "date impossible" in cli.fails("anomalies", "list", "--as", "alice@editeur.fr", "du=31/02/2026")
    assert "n'est pas un statut" in cli.fails(
        "anomalies", "list", "--as", "alice@editeur.fr", "statut=perdue"
    )
    assert "n'est pas un code de région" in cli.fails(
        "anomalies", "list", "--as", "alice@editeur.fr", "region=99"
    )


def test_list_pages_and_json(cli: Cli) -> None:
    refs = declare_two(cli)

    first = json.loads(
        cli.ok("anomalies", "list", "--as", "alice@editeur.fr", "--size", "1", "--format", "json")
    )
    second = json.loads(
        cli.ok(
            "anomalies", "list", "--as", "alice@editeur.fr", "--size", "1", "--page", "2", "--format", "json"
        )
    )

    assert set(first) == {"total", "page", "pages", "items"}
    assert (first["total"], first["page"], second["page"]) == (2, 1, 2)
    assert {first["items"][0]["reference"], second["items"][0]["reference"]} == set(refs)
    out = cli.ok("anomalies", "list", "--as", "alice@editeur.fr", "--size", "1", "--page", "2")
    assert out.splitlines()[-1] == "page 2/2 — 2 anomalies"


def test_csv_exports_every_matching_row_not_just_one_page(cli: Cli, tmp_path: Path) -> None:
    refs = declare_two(cli)

    out = cli.ok("anomalies", "list", "--as", "alice@editeur.fr", "--size", "1", "--format", "csv")

    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][0] == "Référence"
    assert sorted(row[0] for row in rows[1:]) == sorted(refs)
    code, _, err = cli(
        "anomalies",
        "list",
        "--as",
        "alice@editeur.fr",
        "--format",
        "csv",
        "--output",
        str(tmp_path / "a.csv"),
    )
    assert code == 0
    assert "2 anomalies exportées" in err
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").startswith("Référence,")


# --- show, cancel, transition ---------------------------------------------------------------------------


def test_show_in_text_and_json(cli: Cli) -> None:
    ref = declare_two(cli)[0]

    text = cli.ok("anomalies", "show", "--as", "alice@editeur.fr", ref)
    data = json.loads(
        cli.ok("anomalies", "show", "--as", "alice@editeur.fr", ref.lower(), "--format", "json")
    )

    assert "Référence" in text
    assert ref in text
    assert "Description de l'anomalie" in text
    assert "Le numéro de rue manque" in text
    assert "Historique (fuseau Europe/Paris) :" in text
    assert data["reference"] == ref
    assert data["statut_code"] == "04"
    assert [h["statut"] for h in data["historique"]] == ["Créée", "Bloquée (destinataire manquant)"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["derniere_modification"])


def test_outside_the_perimeter_an_anomaly_does_not_exist(cli: Cli) -> None:
    ref = declare_two(cli)[0]
    expected = f"Erreur : Aucune anomalie {ref} n'est accessible dans votre périmètre."

    assert cli.fails("anomalies", "show", "--as", "bob@editeur.fr", ref) == expected
    assert cli.fails("anomalies", "cancel", "--as", "bob@editeur.fr", ref) == expected
    assert "page 1/1 — 0 anomalie" in cli.ok("anomalies", "list", "--as", "bob@editeur.fr")


def test_show_of_a_malformed_reference(cli: Cli) -> None:
    assert "n'est pas une référence d'anomalie" in cli.fails(
        "anomalies", "show", "--as", "alice@editeur.fr", "ANO_12"
    )


def test_cancel_then_cancel_again_names_the_status(cli: Cli) -> None:
    ref = declare_two(cli)[0]

    assert cli.ok("anomalies", "cancel", "--as", "alice@editeur.fr", ref, "--comment", "doublon") == (
        f"L'anomalie {ref} est annulée.\n"
    )
    line = cli.fails("anomalies", "cancel", "--as", "alice@editeur.fr", ref)

    assert "« Annulée »" in line
    history = json.loads(cli.ok("anomalies", "show", "--as", "alice@editeur.fr", ref, "--format", "json"))[
        "historique"
    ]
    assert history[-1]["commentaire"] == "doublon"


def test_operator_transitions_follow_the_table(cli: Cli) -> None:
    ref = declare_two(cli)[0]

    assert "Aucun destinataire" in cli.fails("anomalies", "transition", "--status", "envoyee", ref)
    assert "05 Envoyée au destinataire" in cli.ok(
        "anomalies", "transition", "--status", "envoyee", ref, "--destinataire", "referent@ch-narbonne.fr"
    )
    assert "08 Corrigée" in cli.ok("anomalies", "transition", "--status", "08", ref, "--comment", "fait")
    line = cli.fails("anomalies", "transition", "--status", "À traiter", ref)
    assert "« Corrigée »" in line
    assert "« À traiter »" in line


def test_a_transition_needs_exactly_one_status(cli: Cli) -> None:
    ref = declare_two(cli)[0]

    assert "plusieurs statuts" in cli.fails("anomalies", "transition", "--status", "bloquee", ref)
    assert "n'est pas un statut" in cli.fails("anomalies", "transition", "--status", "perdue", ref)
    assert "Aucune anomalie" in cli.fails(
        "anomalies", "transition", "--status", "annulee", "ANO_999999999999"
    )


def test_a_member_declares_on_a_health_professional_by_rpps(cli: Cli) -> None:
    out = cli.ok(
        "anomalies",
        "declare",
        "--as",
        "alice@editeur.fr",
        "--rpps",
        "10003456782",
        "--donnee",
        "Profession",
        "--description",
        "Pédiatre, pas généraliste",
    )
    assert "pour la ressource 10003456782 - « Dr Claire MARTIN » sur la donnée « Profession »" in out
    line = cli.fails(
        "anomalies",
        "declare",
        "--as",
        "bob@editeur.fr",
        "--rpps",
        "10003456782",
        "--donnee",
        "Profession",
        "--description",
        "x",
    )
    assert "Aucun professionnel" in line
