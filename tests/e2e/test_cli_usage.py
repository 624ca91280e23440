"""Using `ror-bot` as a newcomer and a script would: French everywhere (argparse's own words too), one
`Erreur : …` line and exit 1 on any misuse, help with examples, `--version`, pages and sizes told, an empty
directory explained, each entry point naming itself, one clock (ROR_TIMEZONE)."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.notebook import open_store as open_notebook
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies
from storage import Store, open_store
from tests.builders import a_member, geriatrie, lyon, narbonne
from tests.e2e.cli_runner import Cli, seed
from tests.fakes import FixedClock

ALICE = ("--as", "alice@editeur.fr")
# argparse's English, word for word (« invalide » and « argument » are French too).
ENGLISH = (
    "usage:",
    "error:",
    "invalid choice",
    "value:",
    "is required",
    "are required",
    "choose from",
    "expected",
    "unrecognized",
    "not allowed",
    "positional",
)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'usage.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    for variable in ("ROR_TIMEZONE", "ROR_SYSTEM_NAME", "ROR_CLI_SYSTEM_NAME", "ROR_NOTEBOOK_SYSTEM_NAME"):
        monkeypatch.delenv(variable, raising=False)
    return url


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    opened = open_store(database)
    seed(opened, narbonne(), geriatrie(), lyon())
    yield opened
    opened.dispose()


@pytest.fixture
def cli(store: Store, capsys: pytest.CaptureFixture[str]) -> Cli:
    runner = Cli(capsys)
    runner.ok("group", "create", "Éditeur Occitanie", "--regions", "76")
    runner.ok("group", "add-member", "Éditeur Occitanie", "alice@editeur.fr")
    return runner


def declare_two(cli: Cli) -> None:
    cli.ok(
        "anomalies", "declare", *ALICE, "--structure", "1110000056",
        "--donnee", "Adresse établissement", "--description", "a",
        "--donnee", "Tarifs", "--description", "b",
    )  # fmt: skip


# --- misuse: one French line, exit 1, nothing written ---------------------------------------------------

MISUSES = {
    "missing --as": ["anomalies", "list"],
    "unknown format": ["anomalies", "list", *ALICE, "--format", "xml"],
    "unknown command": ["anomaly", "list"],
    "unknown action": ["anomalies", "delete"],
    "unknown option": ["anomalies", "list", *ALICE, "--colour"],
    "option without its value": ["anomalies", "list", *ALICE, "--format"],
    "neither structure nor rpps": [
        "anomalies",
        "declare",
        *ALICE,
        "--donnee",
        "Tarifs",
        "--description",
        "x",
    ],
    "structure and rpps": ["anomalies", "declare", *ALICE, "--structure", "1110000056", "--rpps", "1"],
    "size over 200": ["anomalies", "list", *ALICE, "--size", "500"],
    "size zero": ["anomalies", "list", *ALICE, "--size", "0"],
    "size not a number": ["anomalies", "list", *ALICE, "--size", "beaucoup"],
    "absurd page": ["anomalies", "list", *ALICE, "--page", "99999999999999999999"],
    "negative page": ["anomalies", "list", *ALICE, "--page", "-3"],
    "a 5,000-digit page": ["anomalies", "list", *ALICE, "--page", "9" * 5000],
    "port out of range": ["run", "--port", "70000"],
    "port not a number": ["run", "--port", "http"],
    "group without perimeter": ["group", "create", "Éditeur"],
}


@pytest.mark.parametrize("argv", MISUSES.values(), ids=MISUSES.keys())
def test_every_misuse_is_one_french_line_and_exit_1(cli: Cli, argv: list[str], tmp_path: Path) -> None:
    line = cli.fails(
        *argv, *(["--output", str(tmp_path / "out.csv")] if argv[:2] == ["anomalies", "list"] else [])
    )

    assert not any(word in line.lower() for word in ENGLISH), line
    assert "(aide : ror-bot" in line
    assert len(line) < 400
    assert not (tmp_path / "out.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")] == []


def test_argparse_messages_read_as_french_sentences(cli: Cli) -> None:
    assert cli.fails("anomalies", "list") == (
        "Erreur : argument(s) obligatoire(s) manquant(s) : --as (aide : ror-bot anomalies list --help)."
    )
    assert cli.fails("anomalies", "list", *ALICE, "--format", "xml") == (
        "Erreur : argument --format : choix invalide : « xml » (valeurs possibles : 'table', 'csv', 'json') "
        "(aide : ror-bot anomalies list --help)."
    )
    assert "la taille de page vaut au plus 200 (et non 500)" in cli.fails(
        "anomalies", "list", *ALICE, "--size", "500"
    )
    assert "--format csv écrit toutes les anomalies" in cli.fails(
        "anomalies", "list", *ALICE, "--size", "500"
    )


def test_a_page_past_the_last_one_is_told_not_printed_as_page_99_of_1(cli: Cli, tmp_path: Path) -> None:
    declare_two(cli)

    line = cli.fails("anomalies", "list", *ALICE, "--page", "99", "--output", str(tmp_path / "p.json"))

    assert line == (
        "Erreur : La page 99 n'existe pas : 2 anomalies tiennent sur 1 page de 20 (--page de 1 à 1)."
    )
    assert not (tmp_path / "p.json").exists()
    assert "page 1/1 — 2 anomalies" in cli.ok("anomalies", "list", *ALICE, "--page", "1")
    assert cli.fails("anomalies", "list", *ALICE, "statut=corrigee", "--page", "2") == (
        "Erreur : La page 2 n'existe pas : aucune anomalie ne correspond."
    )


def test_json_pages_tell_how_many_pages_there_are(cli: Cli) -> None:
    declare_two(cli)

    listing = json.loads(cli.ok("anomalies", "list", *ALICE, "--size", "1", "--format", "json"))

    assert (listing["total"], listing["page"], listing["pages"]) == (2, 1, 2)


# --- help and version -------------------------------------------------------------------------------


def test_bare_ror_bot_shows_the_french_help_with_examples(database: str, capsys) -> None:
    runner = Cli(capsys)

    out = runner.ok()

    assert out.startswith("utilisation : ror-bot [-h] [-V] COMMANDE ...")
    assert "commandes :" in out
    assert "options :" in out
    assert "-h, --help" in out
    assert "afficher cette aide et quitter" in out
    assert "exemples :" in out
    assert "ror-bot anomalies list --as alice@editeur.fr statut=bloquee" in out
    assert not any(word in out for word in ("usage:", "positional arguments", "show this help"))


def test_a_command_without_its_action_shows_its_help(database: str, capsys) -> None:
    out = Cli(capsys).ok("anomalies")

    assert out.startswith("utilisation : ror-bot anomalies [-h] ACTION ...")
    for action in ("declare", "list", "show", "cancel", "transition"):
        assert action in out


def test_each_command_help_is_french_with_examples(database: str, capsys) -> None:
    out = Cli(capsys).ok("anomalies", "list", "--help")

    assert out.startswith("utilisation : ror-bot anomalies list")
    assert "arguments :" in out
    assert "--size N              anomalies par page, de 1 à 200 (par défaut : 20)" in out
    assert "exemples :" in out
    assert "du=01/01/2026 au=15/01/2026" in out


def test_version(database: str, capsys) -> None:
    assert Cli(capsys).ok("--version").strip() == "ror-bot 0.1.0"


# --- the directory is empty -----------------------------------------------------------------------------


def test_declaring_on_an_empty_directory_says_it_is_empty_and_how_to_load_it(database: str, capsys) -> None:
    runner = Cli(capsys)  # a DATABASE_URL of its own: no demo directory is loaded for it
    runner.ok("group", "create", "Éditeur Occitanie", "--regions", "76")
    runner.ok("group", "add-member", "Éditeur Occitanie", "alice@editeur.fr")

    line = runner.fails(
        "anomalies", "declare", *ALICE, "--structure", "1110000056",
        "--donnee", "Tarifs", "--description", "x",
    )  # fmt: skip

    assert line.startswith("Erreur : L'annuaire des ressources est vide")
    assert "dans votre périmètre" not in line
    for command in ("ror-bot directory demo", "ror-bot directory import FICHIER", "ror-bot directory sync"):
        assert command in line


def test_an_unknown_structure_in_a_loaded_directory_is_still_answered_as_unknown(cli: Cli) -> None:
    line = cli.fails(
        "anomalies", "declare", *ALICE, "--structure", "1330000014",
        "--donnee", "Tarifs", "--description", "x",
    )  # fmt: skip

    assert line == "Erreur : Aucune structure d'identifiant 1330000014 n'est accessible dans votre périmètre."


# --- each entry point names itself --------------------------------------------------------------------


def _declared_system(cli: Cli) -> str:
    declare_two(cli)
    return str(
        json.loads(cli.ok("anomalies", "show", *ALICE, "ANO_100000000001", "--format", "json"))[
            "systeme_declarant"
        ]
    )


def test_the_command_line_names_itself_as_declaring_system(cli: Cli) -> None:
    assert _declared_system(cli) == "Ligne de commande ROR Anomalies"


def test_the_command_lines_name_is_configurable(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROR_SYSTEM_NAME", "Bot Slack de l'éditeur")
    monkeypatch.setenv("ROR_CLI_SYSTEM_NAME", "Scripts qualité de l'éditeur")

    assert _declared_system(cli) == "Scripts qualité de l'éditeur"


def test_an_operators_transition_names_the_command_line_too(cli: Cli) -> None:
    declare_two(cli)
    cli.ok("anomalies", "transition", "--status", "envoyee", "ANO_100000000001", "--destinataire", "r@ch.fr")

    shown = json.loads(cli.ok("anomalies", "show", *ALICE, "ANO_100000000001", "--format", "json"))

    assert shown["historique"][-1]["systeme"] == "Ligne de commande ROR Anomalies"


def test_the_notebook_names_itself_and_is_configurable(cli: Cli, database: str, monkeypatch) -> None:
    me = open_notebook(database).as_member("alice@editeur.fr")
    [first] = me.declare(structure="1110000056", items={"Tarifs": "a"})
    monkeypatch.setenv("ROR_NOTEBOOK_SYSTEM_NAME", "Jupyter de l'équipe qualité")
    [second] = (
        open_notebook(database)
        .as_member("alice@editeur.fr")
        .declare(structure="1110000056", items={"Horaires": "b"}, offre="91/11359")
    )

    assert first.declaring_system == "Notebook ROR Anomalies"
    assert second.declaring_system == "Jupyter de l'équipe qualité"
    assert {entry.system for entry in second.history} == {"Jupyter de l'équipe qualité"}


# --- the JSON of `show` --------------------------------------------------------------------------------


def test_show_in_json_has_the_recipient_and_the_proposed_value(cli: Cli, store: Store) -> None:
    request = DeclarationRequest(
        "1110000056", None, (DeclaredItem("Adresse établissement", "x", proposed_value="12 bd Lacroix"),)
    )
    [anomaly] = declare_anomalies(
        request=request, member=a_member({"76"}), uow=store.uow(), clock=FixedClock(), system="test"
    )
    cli.ok("recipient", "set", "1110000056", "referent@ch-narbonne.fr")

    shown = json.loads(cli.ok("anomalies", "show", *ALICE, anomaly.reference, "--format", "json"))

    assert shown["valeur_proposee"] == "12 bd Lacroix"
    assert shown["destinataire"] == "referent@ch-narbonne.fr"


# --- one clock: ROR_TIMEZONE filters and displays, « (UTC) » fields stay UTC -----------------------------

LATE = datetime(
    2026, 1, 14, 23, 30, tzinfo=UTC
)  # 14/01 20:30 in Cayenne, 15/01 00:30 in Paris, 10:30 in Nouméa


@pytest.fixture
def late_anomaly(cli: Cli, store: Store) -> str:
    request = DeclarationRequest("1110000056", None, (DeclaredItem("Tarifs", "x"),))
    [anomaly] = declare_anomalies(
        request=request, member=a_member({"76"}), uow=store.uow(), clock=FixedClock(LATE), system="test"
    )
    return anomaly.reference


def _found(cli: Cli, *filters: str) -> int:
    return int(json.loads(cli.ok("anomalies", "list", *ALICE, *filters, "--format", "json"))["total"])


@pytest.mark.parametrize(
    ("zone", "day", "other_day"),
    [("America/Cayenne", "14/01/2026", "15/01/2026"), ("Pacific/Noumea", "15/01/2026", "14/01/2026")],
)
def test_filters_and_listings_read_days_in_ror_timezone(
    cli: Cli, late_anomaly: str, monkeypatch: pytest.MonkeyPatch, zone: str, day: str, other_day: str
) -> None:
    monkeypatch.setenv("ROR_TIMEZONE", zone)

    assert _found(cli, f"du={day}", f"au={day}") == 1
    assert _found(cli, f"du={other_day}", f"au={other_day}") == 0
    row = cli.ok("anomalies", "list", *ALICE).splitlines()[2]
    assert row.endswith(day)
    detail = cli.ok("anomalies", "show", *ALICE, late_anomaly)
    assert "Dernière modification (UTC)   : 14/01/2026 23:30:00" in detail
    assert f"Historique (fuseau {zone}) :" in detail


def test_the_notebook_filters_and_displays_in_ror_timezone(
    late_anomaly: str, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROR_TIMEZONE", "Pacific/Noumea")
    me = open_notebook(database).as_member("alice@editeur.fr")

    assert me.anomalies(du="15/01/2026", au="15/01/2026").total == 1
    assert me.anomalies(au="14/01/2026").total == 0
    assert "<td>15/01/2026</td>" in me.anomalies()._repr_html_()
    assert "15/01/2026 10:30 · Créée" in str(me.show(late_anomaly))
    frame = me.anomalies().to_dataframe()
    assert str(frame["derniere_modification"].dt.tz) == "Pacific/Noumea"
    assert frame["derniere_modification"][0].strftime("%d/%m/%Y %H:%M") == "15/01/2026 10:30"


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("ROR_TIMEZONE", "Mars/Olympus", "ROR_TIMEZONE : fuseau horaire inconnu « Mars/Olympus »"),
        ("ROR_TIMEZONE", "../../etc/passwd", "ROR_TIMEZONE : fuseau horaire inconnu « ../../etc/passwd »"),
        ("ROR_CLI_SYSTEM_NAME", "   ", "ROR_CLI_SYSTEM_NAME : un nom de 1 à 200 caractères est attendu"),
        ("ROR_SYSTEM_NAME", "x" * 201, "ROR_SYSTEM_NAME : un nom de 1 à 200 caractères est attendu"),
    ],
)
def test_a_bad_setting_is_one_french_line_naming_the_variable(
    database: str, capsys, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)

    line = Cli(capsys).fails("group", "list")

    assert line.startswith(f"Erreur : Configuration invalide : {said}")
