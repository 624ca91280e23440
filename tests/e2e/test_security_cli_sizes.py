"""Hostile sizes and characters given to `ror-bot` (issue 12 §8, §9), on SQLite and PostgreSQL: one French line,
exit 1, nothing written — never a traceback, never a database error."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from domain.services import list_groups
from storage import Store, open_store
from tests.integration.conftest import _reset_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cli.db'}"
        opened = open_store(url)
    else:
        url = request.getfixturevalue("postgres_database")
        opened = open_store(url)
        _reset_postgres(opened)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    yield opened
    opened.dispose()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (1, ""), err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Erreur : ")
    return lines[0]


def nothing_in(store: Store) -> None:
    with store.reader() as uow:
        assert uow.directory.count() == 0
        assert uow.groups.list() == []


def test_a_300_character_group_name_is_one_french_line(store: Store, capsys) -> None:
    line = one_error(capsys, "group", "create", "G" * 300, "--regions", "76")

    assert line == "Erreur : Le nom du groupe compte 300 caractères : 200 au plus."
    nothing_in(store)


def test_a_group_name_with_nul_or_rlo_is_one_french_line(store: Store, capsys) -> None:
    assert "U+0000" in one_error(capsys, "group", "create", "Éditeur\x00", "--regions", "76")
    assert "U+202E" in one_error(capsys, "group", "create", "Éditeur \u202eeiraticcO", "--national")
    nothing_in(store)


def test_emails_over_320_characters_are_one_french_line_and_no_member_is_added(store: Store, capsys) -> None:
    assert run(capsys, "group", "create", "Éditeur", "--regions", "76")[0] == 0

    line = one_error(capsys, "group", "add-member", "Éditeur", "a" * 400 + "@editeur.fr")
    recipient = one_error(capsys, "recipient", "set", "1110000056", "r" * 330 + "@chu.fr")

    assert line == "Erreur : L'adresse e-mail compte 411 caractères : 320 au plus."
    assert recipient == "Erreur : L'adresse e-mail compte 337 caractères : 320 au plus."
    assert list_groups(uow=store.reader())[0].members == set()


def _import(capsys, tmp_path: Path, content: str) -> tuple[int, str, str]:
    path = tmp_path / "hostile.json"
    path.write_text(content, encoding="utf-8")
    return run(capsys, "directory", "import", str(path))


def _organization(name: str) -> dict:
    return {
        "resourceType": "Organization",
        "id": "org-1",
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1110000056"}],
        "name": name,
        "address": [{"postalCode": "11100", "city": "NARBONNE"}],
    }


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("CH NARBONNE\x00", "Le nom contient un caractère de contrôle interdit (U+0000) : retirez-le."),
        ("N" * 1_000_000, "Le nom compte 1000000 caractères : 500 au plus."),
    ],
)
def test_a_bundle_with_a_hostile_name_is_refused_with_its_reason_and_nothing_is_written(
    store: Store, capsys, tmp_path: Path, name: str, reason: str
) -> None:
    bundle = {"resourceType": "Bundle", "entry": [{"resource": _organization(name)}]}

    code, out, err = _import(capsys, tmp_path, json.dumps(bundle))

    assert code == 1
    assert err == f"Rejetée : entrée 1 (Organization/org-1) — {reason}\n"
    assert (
        out == "Import de hostile.json : 0 ressource créée, 0 ressource mise à jour, 1 ressource rejetée.\n"
    )
    nothing_in(store)


def test_json_nested_200000_deep_is_refused_in_one_french_line(store: Store, capsys, tmp_path: Path) -> None:
    code, out, err = _import(capsys, tmp_path, "[" * 200_000 + "]" * 200_000)

    assert code == 1
    assert err.splitlines() == [
        "Rejetée : ligne 1 — JSON imbriqué trop profondément pour être lu : aucune ressource FHIR n'a cette "
        "profondeur (fichier corrompu ou malveillant)."
    ]
    assert "Traceback" not in out + err
    nothing_in(store)


def test_a_bundle_whose_entry_is_an_object_says_why_nothing_was_imported(
    store: Store, capsys, tmp_path: Path
) -> None:
    code, _, err = _import(
        capsys, tmp_path, json.dumps({"resourceType": "Bundle", "entry": {"resource": {}}})
    )

    assert code == 1
    assert err == (
        "Rejetée : entrée 1 (Bundle) — « entry » du Bundle doit être une liste d'entrées "
        '[{"resource": …}, …], pas un objet.\n'
    )
    nothing_in(store)


def test_two_entries_with_one_fhir_id_load_the_first_and_name_the_second(
    store: Store, capsys, tmp_path: Path
) -> None:
    second = {
        **_organization("AUTRE"),
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1110000064"}],
    }
    bundle = {
        "resourceType": "Bundle",
        "entry": [{"resource": _organization("CH NARBONNE")}, {"resource": second}],
    }

    code, out, err = _import(capsys, tmp_path, json.dumps(bundle))

    assert code == 0
    assert err == (
        "Rejetée : entrée 2 (Organization/org-1) — Id FHIR Organization/org-1 en double : déjà présent "
        "(entrée 1), seule la première est chargée.\n"
    )
    assert "1 ressource créée" in out
    with store.reader() as uow:
        assert uow.directory.count() == 1
