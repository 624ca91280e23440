"""ROROrganization → a Structure of the directory, its data items as the ROR UI shows them."""

from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.errors import InvalidIdentifier
from domain.fhir.placement import place, region_tag
from domain.fhir.recipient import recipient_of
from domain.fhir.rejection import ResourceRejected
from domain.fhir.systems import CATEGORIE_ETABLISSEMENT, FINESS_SYSTEM, STRUCTURE_ID_SYSTEM
from domain.fhir.values import (
    Json,
    address_text,
    concept_labels,
    extensions,
    french_date,
    join,
    node,
    nodes,
    preferred_address,
    prices,
    telecom_values,
    text,
)
from domain.identifiers import parse_structure_id

# Offers show these items of their structure (SPEC §3, catalogue paths through providedBy).
STRUCTURE_ITEMS_OF_OFFERS = ("Adresse établissement", "Contact établissement", "Catégorie établissement")


def structure_id_of(body: Json) -> str:
    values = [text(i, "value") for i in nodes(body, "identifier") if text(i, "system") == STRUCTURE_ID_SYSTEM]
    values = [v for v in values if v]
    if not values:
        raise ResourceRejected(
            f"ID National Structure absent : identifiant de système {STRUCTURE_ID_SYSTEM} attendu."
        )
    try:
        return parse_structure_id(values[0])
    except InvalidIdentifier as error:
        raise ResourceRejected(error.message) from None


def _finess(structure_id: str, body: Json) -> str | None:
    if structure_id.startswith("1"):
        return structure_id[1:]
    found = [text(i, "value") for i in nodes(body, "identifier") if text(i, "system") == FINESS_SYSTEM]
    return next((f for f in found if f), None)


def _period(body: Json) -> tuple[str, str, str]:
    """(opening date, closing date, closing type) from the ROR period and closing-type extensions."""
    start = end = ""
    closing = [
        join(concept_labels([node(e.get("valueCodeableConcept"))]))
        for e in extensions(body, "ror-organization-closing-type")
    ]
    for period in extensions(body, "ror-organization-period"):
        for sub in nodes(period, "extension"):
            if "valuePeriod" in sub:
                value = node(sub.get("valuePeriod"))
                start = start or text(value, "start")
                end = end or text(value, "end")
            elif text(sub, "url") in ("closingType", "temporalityClosing"):
                closing.append(join(concept_labels([node(sub.get("valueCodeableConcept"))])))
    return (french_date(start) if start else "", french_date(end) if end else "", join(closing))


def read_structure(body: Json) -> Resource:
    structure_id = structure_id_of(body)
    name = text(body, "name")
    address = preferred_address(body)
    region, departement = place(
        tag=region_tag(body), postal_code=text(address, "postalCode"), finess=_finess(structure_id, body)
    )
    opening, closing, closing_type = _period(body)
    contacts = [t for contact in nodes(body, "contact") for t in nodes(contact, "telecom")]
    data = {
        "Catégorie établissement": join(concept_labels(nodes(body, "type"), CATEGORIE_ETABLISSEMENT)),
        "Contact établissement": join(telecom_values([*contacts, *nodes(body, "telecom")])),
        "Tarifs": prices(body, "ror-organization-price"),
        "Nom de la structure": name,
        "Adresse établissement": address_text(address),
        "Date d'ouverture": opening,
        "Date de fermeture": closing,
        "Type de fermeture": closing_type,
    }
    return Resource(
        kind=ResourceKind.STRUCTURE,
        resource_id=structure_id,
        name=name,
        structure_id=structure_id,
        structure_name=name,
        region=region,
        departement=departement,
        address=data["Adresse établissement"],
        recipient=recipient_of(body),
        data={label: value for label, value in data.items() if value},
        identifier_system=STRUCTURE_ID_SYSTEM,
    )
