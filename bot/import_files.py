"""Reading anomaly import files (CSV or NDJSON) line by line, for `ror-bot anomalies import` and the
notebook: a stream of ImportLine, or LineError for a line that cannot be read, with its number in the file.

- CSV: a header row naming the columns, comma or semicolon separated (told by the header), UTF-8 with or
  without BOM, quoted fields may span lines (the number given is the line where the record starts);
- NDJSON: one JSON object per line, with the same names as keys.

Column names are forgiving (case, accents, `_` or spaces: « Donnée en anomalie », `donnee`, `data_item`);
an unknown column is refused rather than silently ignored, so a typo cannot drop a value."""

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import IO

from domain.errors import RorError
from domain.services.bulk_import import ImportLine, LineError
from domain.text import fold, printable

RESOURCE, ITEM, DESCRIPTION, RULE, PROPOSED = "ressource", "donnee", "description", "regle", "valeur_proposee"
REQUIRED = (RESOURCE, ITEM, DESCRIPTION)
COLUMNS = (*REQUIRED, RULE, PROPOSED)
_ALIASES = {
    RESOURCE: ("ressource", "id ressource", "id de la ressource", "resource", "resource id", "id"),
    ITEM: ("donnee", "donnee en anomalie", "data item", "item"),
    DESCRIPTION: ("description", "description de l'anomalie"),
    RULE: ("regle", "rule", "regle qualite", "regle de qualite"),
    PROPOSED: ("valeur proposee", "proposed value"),
}
_BY_ALIAS = {alias: column for column, aliases in _ALIASES.items() for alias in aliases}
# A line longer than this is refused unread (a description holds 800 characters; files are not blobs).
MAX_LINE = 64 * 1024


class FileFormat(StrEnum):
    CSV = "csv"
    NDJSON = "ndjson"


class UnreadableImport(RorError):
    """The file as a whole cannot be imported (header, encoding): one French sentence."""


def column_of(name: str) -> str | None:
    return _BY_ALIAS.get(fold(name.replace("_", " ").replace("-", " ")))


def format_of(path: str, given: str | None) -> FileFormat | None:
    """--format, else the extension; None: decided from the first character read."""
    if given:
        return FileFormat(given)
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return FileFormat.CSV
    if suffix in (".ndjson", ".jsonl"):
        return FileFormat.NDJSON
    return None


def text_stream(binary: IO[bytes]) -> IO[str]:
    """UTF-8, a leading BOM dropped; lines split on \\n only (quoted CSV fields keep their breaks)."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def read_lines(stream: IO[str], file_format: FileFormat | None) -> Iterator[ImportLine | LineError]:
    """Every line of `stream` (text, UTF-8 decoded); UnreadableImport when the file cannot be read."""
    try:
        first, number = stream.readline(), 1
        while first and not first.strip():
            first, number = stream.readline(), number + 1
        if not first:
            raise UnreadableImport("Le fichier est vide : aucune ligne à importer.")
        if file_format is None:
            file_format = FileFormat.NDJSON if first.lstrip().startswith("{") else FileFormat.CSV
        if file_format is FileFormat.NDJSON:
            yield from _ndjson(first, number, stream)
        else:
            yield from _csv(first, number, stream)
    except UnicodeDecodeError as error:
        raise UnreadableImport(
            f"Le fichier n'est pas en UTF-8 (octet 0x{error.object[error.start]:02X} illisible) : "
            "enregistrez-le en UTF-8 et importez-le de nouveau (les lignes déjà importées ne seront pas "
            "créées deux fois)."
        ) from None


def _columns(names: Iterable[str]) -> list[str | None]:
    columns: list[str | None] = []
    for name in names:
        if not name.strip():
            columns.append(None)  # an empty heading (a trailing separator): its cells are ignored
            continue
        column = column_of(name)
        if column is None:
            raise UnreadableImport(
                f"Colonne inconnue « {printable(name.strip(), 60)} » : les colonnes possibles sont "
                "ressource, donnee, description, regle et valeur_proposee."
            )
        if column in columns:
            raise UnreadableImport(f"La colonne « {column} » figure deux fois dans l'en-tête.")
        columns.append(column)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise UnreadableImport(
            f"Il manque la colonne {', '.join(missing)} dans l'en-tête : les colonnes ressource, donnee et "
            "description sont obligatoires (regle et valeur_proposee sont facultatives)."
        )
    return columns


def _line(number: int, values: Mapping[str, str | None]) -> ImportLine:
    return ImportLine(
        line=number,
        resource=values.get(RESOURCE) or "",
        label=values.get(ITEM) or "",
        description=values.get(DESCRIPTION) or "",
        rule=values.get(RULE),
        proposed_value=values.get(PROPOSED),
    )


def _csv(header: str, header_line: int, stream: IO[str]) -> Iterator[ImportLine | LineError]:
    delimiter = ";" if header.count(";") > header.count(",") else ","
    columns = _columns(next(csv.reader([header], delimiter=delimiter)))
    width = len(columns)
    reader = csv.reader(stream, delimiter=delimiter)
    offset = header_line
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield LineError(offset + previous + 1, f"ligne CSV illisible ({error}).")
            previous = reader.line_num
            continue
        number = offset + previous + 1
        previous = reader.line_num
        if not cells or not any(c.strip() for c in cells):
            continue
        if len(cells) != width:
            yield LineError(number, f"{len(cells)} colonnes au lieu de {width} (séparateur « {delimiter} »).")
            continue
        yield _line(number, {c: v for c, v in zip(columns, cells, strict=True) if c is not None})


def _ndjson(first: str, first_line: int, stream: IO[str]) -> Iterator[ImportLine | LineError]:
    number = first_line - 1
    for raw in _prepend(first, stream):
        number += 1
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE:
            yield LineError(number, f"ligne de {len(raw)} caractères : {MAX_LINE} au plus.")
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            yield LineError(number, f"JSON illisible (colonne {error.colno}).")
            continue
        except ValueError:  # a number too long to convert, and the like
            yield LineError(number, "JSON illisible.")
            continue
        yield object_line(number, data)


def object_line(number: int, data: object) -> ImportLine | LineError:
    """One record given as an object (an NDJSON line, a notebook's dict): its keys name the columns."""
    if not isinstance(data, Mapping):
        return LineError(number, 'un objet JSON est attendu, par exemple {"ressource": "1110000056", …}.')
    try:
        columns = _columns(str(name) for name in data)
    except UnreadableImport as error:
        return LineError(number, error.message[0].lower() + error.message[1:])
    values: dict[str, str | None] = {}
    for (name, value), column in zip(data.items(), columns, strict=True):
        if column is None:
            continue
        if value is None or isinstance(value, str):
            values[column] = value
        elif isinstance(value, float) and value != value:
            values[column] = None
        elif isinstance(value, int) and not isinstance(value, bool):
            values[column] = str(value)  # an RPPS or a structure ID written as a number
        else:
            return LineError(number, f"« {printable(str(name), 60)} » doit être un texte.")
    return _line(number, values)


def rows_to_lines(rows: Iterable[object]) -> Iterator[ImportLine | LineError]:
    """Records given in memory (dicts, a DataFrame's records), numbered from 1."""
    for number, row in enumerate(rows, start=1):
        yield object_line(number, row)


def _prepend(first: str, stream: IO[str]) -> Iterator[str]:
    yield first
    yield from stream


def open_import(path: str, stdin: IO[bytes]) -> IO[str]:
    """`-`: standard input; else the file, opened for reading. OSError when it cannot be opened."""
    if path == "-":
        return text_stream(stdin)
    return text_stream(open(path, "rb"))
