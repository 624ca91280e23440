"""`ror-bot anomalies import FILE` as a user of the terminal runs it: a summary line on stdout, one
`Erreur : Ligne N : …` line per refused line on stderr, exit 1 when a line was refused, and nothing created
twice when the same file comes again (from a file or from standard input)."""

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Store
from storage.maintenance import counts_are_exact
from tests.e2e.cli_runner import Cli, open_demo_cli_store

FILE = (
    "\ufeffressource;donnee;description;regle;valeur_proposee\n"
    "1110000056;Adresse etablissement;Le numéro de rue manque;R-ADR-01;12 boulevard Dr Lacroix\n"
    "91/11359;Horaires;Fermé le samedi;R-HOR-02;\n"
    "1690000000;Tarifs;Hors du périmètre d'Alice;;\n"
    "10003456782;Profession;Pédiatre, pas généraliste;;\n"
    "1110000056;Couleur;Pas une donnée;;\n"
)


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
    return runner


def test_an_import_creates_the_valid_lines_and_tells_each_refused_one(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "qualite.csv").write_text(FILE, encoding="utf-8")

    code, out, err = cli("anomalies", "import", "--as", "alice@editeur.fr", "qualite.csv")

    assert code == 1
    assert out == "Import terminé : 3 anomalies créées, 0 déjà présente, 2 lignes refusées.\n"
    assert err.splitlines() == [
        "Erreur : Ligne 4 : Aucune structure d'identifiant 1690000000 n'est accessible dans votre périmètre.",
        "Erreur : Ligne 6 : « Couleur » n'est pas une donnée pouvant être déclarée en anomalie pour une "
        "ressource de type Structure.",
    ]
    listing = cli.ok("anomalies", "list", "--as", "alice@editeur.fr", "--format", "json")
    assert '"regle": "R-ADR-01"' in listing
    assert '"total": 3' in listing


def test_the_same_file_again_from_standard_input_creates_nothing(
    cli: Cli, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "qualite.csv").write_text(FILE, encoding="utf-8")
    cli("anomalies", "import", "--as", "alice@editeur.fr", "qualite.csv")

    class Stdin:
        buffer = io.BytesIO(FILE.encode("utf-8"))

    monkeypatch.setattr(sys, "stdin", Stdin())
    code, out, _ = cli("anomalies", "import", "--as", "alice@editeur.fr", "-")

    assert code == 1
    assert out == "Import terminé : 0 anomalie créée, 3 déjà présentes, 2 lignes refusées.\n"
    with store.engine.connect() as connection:
        assert counts_are_exact(connection)


def test_a_clean_ndjson_file_exits_zero(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.jsonl").write_text(
        '{"ressource": "1110000056", "donnee": "Tarifs", "description": "Tarifs absents"}\n', encoding="utf-8"
    )
    out = cli.ok("anomalies", "import", "--as", "alice@editeur.fr", "r.jsonl")
    assert out == "Import terminé : 1 anomalie créée, 0 déjà présente, 0 ligne refusée.\n"


def test_an_unreadable_file_is_one_error_line(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("ressource,donnee\n1110000056,Tarifs\n", encoding="utf-8")
    assert "Il manque la colonne description" in cli.fails(
        "anomalies", "import", "--as", "alice@editeur.fr", "r.csv"
    )
    assert cli.fails("anomalies", "import", "--as", "alice@editeur.fr", "absent.csv") == (
        "Erreur : Impossible de lire « absent.csv » : fichier introuvable."
    )


def test_someone_in_no_group_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "qualite.csv").write_text(FILE, encoding="utf-8")
    line = cli.fails("anomalies", "import", "--as", "mallory@ailleurs.fr", "qualite.csv")
    assert "habilit" in line
