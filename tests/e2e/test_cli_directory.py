"""`ror-bot directory demo|import` in-process on a real SQLite database, and the embedded default's
automatic demo directory."""

import json
from pathlib import Path

import pytest

from bot.cli.directory import ensure_demo_directory, is_embedded_default
from bot.cli.main import main
from bot.context import AppContext
from bot.settings import Settings

REGION_TAG = "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM"


def organization(finess: str, name: str, postal_code: str, city: str) -> dict[str, object]:
    return {
        "resourceType": "Organization",
        "id": f"org-{finess}",
        "meta": {"tag": [{"system": REGION_TAG, "code": "76"}]},
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": f"1{finess}"}],
        "name": name,
        "address": [{"line": ["1 rue de la Paix"], "postalCode": postal_code, "city": city}],
    }


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'dir.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_demo_directory_loads_once_and_reloads_in_place(database: str, capsys) -> None:
    code, out, err = run(capsys, "directory", "demo")
    assert code == 0, err
    assert "Annuaire de démonstration chargé" in out
    assert "0 ressource mise à jour" in out

    code, again, _ = run(capsys, "directory", "demo")
    assert code == 0
    assert "0 ressource créée" in again


def test_an_import_reports_rejected_resources_and_loads_the_rest(
    database: str, capsys, tmp_path: Path
) -> None:
    good = organization("110000056", "CH NARBONNE - HOTEL DIEU", "11100", "NARBONNE")
    bad = {"resourceType": "Organization", "id": "sans-identifiant", "name": "Sans identifiant"}
    file = tmp_path / "ror.ndjson"
    file.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in (good, bad)) + "\n", encoding="utf-8"
    )

    code, out, err = run(capsys, "directory", "import", str(file))

    assert code == 0
    assert "1 ressource créée" in out
    assert "1 ressource rejetée" in out
    assert err.startswith("Rejetée : ")
    assert len(err.strip().splitlines()) == 1


def test_an_unreadable_file_is_one_french_line(database: str, capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "directory", "import", str(tmp_path / "absent.json"))

    assert (code, out) == (1, "")
    assert err.strip() == f"Erreur : Le fichier « {tmp_path / 'absent.json'} » n'existe pas."


def test_the_embedded_default_gets_the_demo_directory_on_first_use(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert is_embedded_default(settings)
    context = AppContext.start(settings)

    assert ensure_demo_directory(context) is not None
    assert ensure_demo_directory(context) is None  # not empty any more
    with context.store.reader() as uow:
        assert uow.directory.count() > 0


def test_another_database_is_left_alone(database: str) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert not is_embedded_default(settings)
    context = AppContext.start(settings)

    assert ensure_demo_directory(context) is None
    with context.store.reader() as uow:
        assert uow.directory.count() == 0
