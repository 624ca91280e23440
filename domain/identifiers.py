"""ROR identifiers: ID National Structure, ID Offre, RPPS, and anomaly references."""

import re
from dataclasses import dataclass

from domain.catalogue import ResourceKind
from domain.errors import InvalidIdentifier, InvalidReference
from domain.geography import OLD_REGIONS
from domain.text import printable

_STRUCTURE_TYPES = {
    "0": "cabinet (ADELI)",
    "1": "FINESS",
    "2": "SIREN",
    "3": "SIRET",
    "4": "cabinet (RPPS)",
}
# The longest identifier of any type (SIRET: 15) with room to spare; the stored column holds 40.
MAX_STRUCTURE_ID = 40
_FINESS = re.compile(r"^(\d{2}|2A|2B|9[A-FJ])\d{7}$")
_OFFER = re.compile(r"^(\d{2})/(\d{1,12})$")


def _compact(text: str) -> str:
    return "".join(text.split())


def parse_structure_id(text: str, *, field: str = "structure") -> str:
    """Validate an ID National Structure: type digit + identifier of that type (SPEC §3)."""
    value = _compact(text).upper()
    if not value:
        raise InvalidIdentifier(field, "Saisissez l'ID National Structure (par exemple 1110000056).")
    if len(value) > MAX_STRUCTURE_ID:
        raise InvalidIdentifier(
            field, f"L'ID National Structure compte {len(value)} caractères : {MAX_STRUCTURE_ID} au plus."
        )
    shown = printable(value, MAX_STRUCTURE_ID)
    kind = value[0]
    if kind not in _STRUCTURE_TYPES:
        raise InvalidIdentifier(
            field,
            f"L'ID National Structure « {shown} » doit commencer par le chiffre du type d'identifiant "
            "(1 FINESS, 2 SIREN, 3 SIRET, 0 ou 4 cabinet).",
        )
    rest = value[1:]
    if len(value) < 10:
        raise InvalidIdentifier(
            field, f"L'ID National Structure « {shown} » est trop court : au moins 10 caractères attendus."
        )
    if kind == "1" and not _FINESS.match(rest):
        raise InvalidIdentifier(
            field,
            f"L'ID National Structure « {shown} » doit être 1 suivi d'un numéro FINESS de 9 caractères "
            "(département puis 7 chiffres).",
        )
    if kind == "2" and not (len(rest) == 9 and rest.isdigit()):
        raise InvalidIdentifier(
            field, f"L'ID National Structure « {shown} » doit être 2 suivi d'un SIREN de 9 chiffres."
        )
    if kind == "3" and not (len(rest) == 14 and rest.isdigit()):
        raise InvalidIdentifier(
            field, f"L'ID National Structure « {shown} » doit être 3 suivi d'un SIRET de 14 chiffres."
        )
    if kind in "04" and not rest.isdigit():
        raise InvalidIdentifier(
            field, f"L'ID National Structure « {shown} » doit être {kind} suivi de chiffres uniquement."
        )
    return value


def parse_offer_id(text: str, *, field: str = "offre") -> str:
    """Validate an ID Offre: `<old INSEE region code>/<number>` (e.g. 91/11359)."""
    value = _compact(text)
    shown = printable(value, 40)
    match = _OFFER.match(value)
    if not match:
        raise InvalidIdentifier(
            field,
            f"L'ID Offre « {shown} » doit avoir la forme <code région>/<numéro>, par exemple 91/11359.",
        )
    if match.group(1) not in OLD_REGIONS:
        raise InvalidIdentifier(
            field, f"L'ID Offre « {shown} » commence par {match.group(1)}, qui n'est pas un code de région."
        )
    return value


def parse_rpps(text: str, *, field: str = "rpps") -> str:
    value = _compact(text)
    shown = printable(value, 40)
    if not (len(value) == 11 and value.isdigit()):
        raise InvalidIdentifier(field, f"Le numéro RPPS « {shown} » doit compter exactement 11 chiffres.")
    return value


def parse_resource_id(kind: ResourceKind, text: str) -> str:
    if kind is ResourceKind.STRUCTURE:
        return parse_structure_id(text)
    if kind is ResourceKind.OFFRE:
        return parse_offer_id(text)
    return parse_rpps(text)


def guess_resource_kind(text: str) -> ResourceKind:
    """The kind an identifier's shape says it is (an offer has a slash, an RPPS 11 digits).

    11 digits are an RPPS unless they start with 0 or 4 (a cabinet's ID National Structure): real RPPS
    numbers start with 1 (`10003456789`), and no FINESS (1), SIREN (2) or SIRET (3) ID has 11 digits."""
    value = _compact(text)
    if "/" in value:
        return ResourceKind.OFFRE
    if len(value) == 11 and value.isdigit() and value[0] not in "04":
        return ResourceKind.PROFESSIONNEL
    return ResourceKind.STRUCTURE


@dataclass(frozen=True, slots=True, order=True)
class Reference:
    """`ANO_` + 12 digits, allocated by the store from a sequence."""

    number: int

    PREFIX = "ANO_"
    DIGITS = 12

    def __str__(self) -> str:
        return f"{self.PREFIX}{self.number:0{self.DIGITS}d}"

    @classmethod
    def parse(cls, text: str) -> "Reference":
        value = _compact(text).upper()
        digits = value.removeprefix(cls.PREFIX)
        if not (digits.isascii() and digits.isdigit() and len(digits) == cls.DIGITS):
            raise InvalidReference(printable(text.strip(), 40))
        return cls(int(digits))


def normalise_reference_prefix(text: str) -> str:
    """`ANO_1000`, `ano_1000` or `1000` → `ANO_1000` (the listing's prefix filter)."""
    value = _compact(text).upper()
    if value.startswith(Reference.PREFIX):
        value = value.removeprefix(Reference.PREFIX)
    elif value.startswith(Reference.PREFIX.rstrip("_")):
        value = value.removeprefix(Reference.PREFIX.rstrip("_"))
    if not value.isdigit() or len(value) > Reference.DIGITS:
        raise InvalidReference(printable(text.strip(), 40))
    return Reference.PREFIX + value
