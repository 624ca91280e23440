"""Reading import files: CSV (comma or semicolon, with or without BOM) and NDJSON, forgiving column names,
line numbers as an editor shows them, and one clear French sentence when the file cannot be read at all."""

import io

import pytest

from bot.import_files import FileFormat, UnreadableImport, format_of, read_lines, text_stream
from domain.services.bulk_import import ImportLine, LineError


def lines_of(data: bytes, file_format: FileFormat | None = None) -> list[ImportLine | LineError]:
    return list(read_lines(text_stream(io.BytesIO(data)), file_format))


def test_a_semicolon_file_with_a_bom_and_french_headings_is_read() -> None:
    data = (
        "\ufeffRessource;Donnée en anomalie;Description de l'anomalie;Règle;Valeur proposée\r\n"
        "1110000056;Tarifs;Tarifs absents, à compléter;R1;\r\n"
    ).encode()

    assert lines_of(data) == [ImportLine(2, "1110000056", "Tarifs", "Tarifs absents, à compléter", "R1", "")]


def test_line_numbers_are_those_of_the_file_even_with_blank_lines_and_quoted_breaks() -> None:
    data = (
        b"\n"
        b"ressource,donnee,description\n"
        b'1110000056,Tarifs,"sur\ndeux lignes"\n'
        b"\n"
        b"1110000056,Horaires\n"
        b"1110000056,Horaires,ok\n"
    )

    read = lines_of(data)

    assert [(x.line, type(x).__name__) for x in read] == [
        (3, "ImportLine"),
        (6, "LineError"),
        (7, "ImportLine"),
    ]
    assert read[1] == LineError(6, "2 colonnes au lieu de 3 (séparateur « , »).")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Le fichier est vide : aucune ligne à importer."),
        (b"ressource,donnee,descriptoin\n", "Colonne inconnue « descriptoin »"),
        (b"ressource,donnee\n", "Il manque la colonne description"),
        (b"ressource,donnee,description,Donnee\n", "La colonne « donnee » figure deux fois"),
        ("ressource,donnee,description\n1110000056,Tarifs,é\n".encode("latin-1"), "n'est pas en UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_french_sentence(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableImport) as raised:
        lines_of(data)
    assert message in raised.value.message


def test_ndjson_is_recognised_by_its_first_character_when_no_format_is_given() -> None:
    data = b'{"ressource": "1110000056", "donnee": "Tarifs", "description": "x", "valeur_proposee": null}\n'
    assert lines_of(data) == [ImportLine(1, "1110000056", "Tarifs", "x", None, None)]


def test_a_value_that_is_not_text_is_refused_on_its_line() -> None:
    data = b'{"ressource": "1110000056", "donnee": ["Tarifs"], "description": "x"}\n'
    assert lines_of(data, FileFormat.NDJSON) == [LineError(1, "« donnee » doit être un texte.")]


def test_the_format_comes_from_the_option_then_the_extension() -> None:
    assert format_of("r.csv", None) is FileFormat.CSV
    assert format_of("r.JSONL", None) is FileFormat.NDJSON
    assert format_of("r.ndjson", "csv") is FileFormat.CSV
    assert format_of("-", None) is None
