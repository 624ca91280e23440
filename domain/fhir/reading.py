"""The text of an import file → its resources, each with its place in the file.

Accepted: a FHIR Bundle (JSON object with `entry[].resource`), a single resource, a JSON array of
resources, or NDJSON (one resource per line; blank lines ignored). A file whose first non-blank line is
a complete JSON object (other than a Bundle) is read as NDJSON, so one bad line costs one resource, not
the whole file."""

import json
from collections.abc import Callable
from dataclasses import dataclass

from domain.fhir.rejection import Rejection
from domain.fhir.values import Json, text

LINE = "ligne"
ENTRY = "entrée"


@dataclass(frozen=True, slots=True)
class Entry:
    position: int
    unit: str
    body: Json

    @property
    def resource_type(self) -> str:
        return text(self.body, "resourceType")

    @property
    def fhir_id(self) -> str | None:
        return text(self.body, "id") or None

    def rejected(self, reason: str) -> Rejection:
        return Rejection(self.position, self.unit, self.resource_type or None, self.fhir_id, reason)


class _TooDeep(ValueError):
    """JSON nested deeper than Python's parser recurses (a hostile file, not a FHIR resource)."""


TOO_DEEP = (
    "JSON imbriqué trop profondément pour être lu : aucune ressource FHIR n'a cette profondeur "
    "(fichier corrompu ou malveillant)."
)


def _loads(text_: str) -> object:
    """json.loads, with nesting too deep for the parser reported as _TooDeep instead of RecursionError."""
    try:
        return json.loads(text_)
    except RecursionError:
        raise _TooDeep() from None


def _json_error(error: json.JSONDecodeError) -> str:
    return f"{error.msg} (colonne {error.colno})"


def _is_resource_line(line: str) -> bool:
    try:
        body = _loads(line)
    except (json.JSONDecodeError, _TooDeep):
        return False
    # A Bundle written on one line is a document, not a line of NDJSON.
    return isinstance(body, dict) and not _is_bundle(body)


def _is_bundle(document: Json) -> bool:
    """A Bundle, or what was meant as one: entries but no resourceType."""
    return text(document, "resourceType") == "Bundle" or (
        "entry" in document and "resourceType" not in document
    )


def _is_ndjson(text_: str) -> bool:
    first = next((line for line in text_.splitlines() if line.strip()), "")
    return _is_resource_line(first)


def _has_resource_line(text_: str) -> bool:
    """Some line, not the first, is a whole resource: NDJSON whose first line is broken."""
    return any(
        '"resourceType"' in line and _is_resource_line(line)
        for line in text_.splitlines()[1:]
        if line.strip()
    )


def read_entries(content: str) -> tuple[list[Entry], list[Rejection]]:
    content = content.removeprefix("\ufeff")
    if not content.strip():
        return [], [Rejection(1, LINE, None, None, "Le fichier est vide : aucune ressource FHIR à importer.")]
    if _is_ndjson(content):
        return _read_ndjson(content)
    try:
        document = _loads(content)
    except _TooDeep:
        return [], [Rejection(1, LINE, None, None, TOO_DEEP)]
    except json.JSONDecodeError as error:
        if _has_resource_line(content):
            return _read_ndjson(content)
        reason = f"JSON illisible, le fichier n'a pas pu être lu : {_json_error(error)}."
        return [], [Rejection(error.lineno, LINE, None, None, reason)]
    return _read_document(document)


def _read_ndjson(content: str) -> tuple[list[Entry], list[Rejection]]:
    entries: list[Entry] = []
    rejected: list[Rejection] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            body = _loads(line)
        except _TooDeep:
            rejected.append(Rejection(number, LINE, None, None, TOO_DEEP))
            continue
        except json.JSONDecodeError as error:
            rejected.append(
                Rejection(number, LINE, None, None, f"Ligne JSON illisible : {_json_error(error)}.")
            )
            continue
        if not isinstance(body, dict):
            rejected.append(
                Rejection(
                    number, LINE, None, None, "La ligne n'est pas une ressource FHIR (objet JSON attendu)."
                )
            )
            continue
        entries.append(Entry(number, LINE, body))
    return entries, rejected


def _read_document(document: object) -> tuple[list[Entry], list[Rejection]]:
    if isinstance(document, list):
        return _read_items(document, lambda item: item)
    if not isinstance(document, dict):
        return [], [
            Rejection(
                1, ENTRY, None, None, "Le fichier n'est ni un Bundle FHIR, ni une ressource, ni du NDJSON."
            )
        ]
    if _is_bundle(document):
        return _read_bundle(document)
    return [Entry(1, ENTRY, document)], []


def _read_bundle(document: Json) -> tuple[list[Entry], list[Rejection]]:
    def refused(reason: str) -> tuple[list[Entry], list[Rejection]]:
        return [], [Rejection(1, ENTRY, "Bundle", None, reason)]

    if "resourceType" not in document:
        return refused('Bundle sans « resourceType » : un Bundle FHIR commence par "resourceType": "Bundle".')
    raw = document.get("entry", [])
    if raw is None:  # a search that found nothing: a Bundle without entries is a valid FHIR answer
        raw = []
    if not isinstance(raw, list):
        return refused(
            '« entry » du Bundle doit être une liste d\'entrées [{"resource": …}, …], '
            f"pas {_json_kind(raw)}."
        )
    return _read_items(raw, _bundle_resource)


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "un objet"
    if isinstance(value, str):
        return "un texte"
    return "un nombre ou un booléen"


_MISSING = object()


def _bundle_resource(item: object) -> object:
    return item.get("resource", _MISSING) if isinstance(item, dict) else item


def _read_items(
    items: list[object], resource_of: Callable[[object], object]
) -> tuple[list[Entry], list[Rejection]]:
    entries: list[Entry] = []
    rejected: list[Rejection] = []
    for number, item in enumerate(items, start=1):
        body = resource_of(item)
        if body is _MISSING:
            rejected.append(
                Rejection(number, ENTRY, None, None, "Entrée du Bundle sans ressource (`resource` absent).")
            )
        elif not isinstance(body, dict):
            rejected.append(
                Rejection(
                    number, ENTRY, None, None, "L'entrée n'est pas une ressource FHIR (objet JSON attendu)."
                )
            )
        else:
            entries.append(Entry(number, ENTRY, body))
    return entries, rejected
