"""Where a resource lies: its département (postal code, else FINESS) and its région (source tag when
coherent, else the département's, per ASS_X09)."""

from domain.fhir.systems import REGION_SYSTEM
from domain.fhir.values import Json, node, nodes, text
from domain.geography import (
    REGIONS,
    departement_from_finess,
    departement_from_postal_code,
    region_of_departement,
)


def region_tag(body: Json) -> str | None:
    """The source region every ROR resource carries in `meta.tag` (TRE_R30), if any."""
    for tag in nodes(node(body.get("meta")), "tag"):
        if text(tag, "system") == REGION_SYSTEM and text(tag, "code"):
            return text(tag, "code")
    return None


def place(*, tag: str | None, postal_code: str, finess: str | None) -> tuple[str | None, str | None]:
    """(région, département). A tag contradicting the address is ignored: the address is what users
    filter on, and a stale tag would hide the resource from the perimeter it really belongs to."""
    departement = departement_from_postal_code(postal_code) if postal_code else None
    if departement is None and finess:
        departement = departement_from_finess(finess)
    derived = region_of_departement(departement) if departement else None
    if tag in REGIONS and derived in (None, tag):
        return tag, departement
    return derived, departement
