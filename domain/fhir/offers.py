"""RORHealthcareService → an Offre of the directory; its structure's items are copied onto it."""

from collections.abc import Mapping

from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.errors import InvalidIdentifier
from domain.fhir.focus import system_naming
from domain.fhir.recipient import recipient_of
from domain.fhir.rejection import ResourceRejected
from domain.fhir.structures import STRUCTURE_ITEMS_OF_OFFERS
from domain.fhir.systems import ACTE_SPECIFIQUE, MODALITE_ACCUEIL, MODE_PRISE_EN_CHARGE
from domain.fhir.values import (
    Json,
    address_text,
    age_range,
    available_times,
    concept_labels,
    extensions,
    has_system,
    join,
    node,
    nodes,
    preferred_address,
    prices,
    reference_id,
    telecom_values,
    text,
)
from domain.identifiers import parse_offer_id

_OUTSIDE_OFFICE = "outsideOfficeAct"


def offer_id_of(body: Json) -> str:
    values = [text(i, "value") for i in nodes(body, "identifier") if text(i, "value")]
    if not values:
        raise ResourceRejected("ID Offre absent : identifier.value attendu (par exemple 91/11359).")
    for value in values:
        try:
            return parse_offer_id(value)
        except InvalidIdentifier:
            continue
    try:
        return parse_offer_id(values[0])
    except InvalidIdentifier as error:
        raise ResourceRejected(error.message) from None


def _act_type(concept: Json) -> str:
    """The ROR act-type marker, on the concept or on one of its codings."""
    for holder in (concept, *nodes(concept, "coding")):
        for extension in extensions(holder, "ror-act-type"):
            return text(extension, "valueCode")
    return ""


def _specific_acts(body: Json) -> tuple[str, str]:
    """(acts, acts outside the office): TRE_R210 characteristics, split by their act type."""
    acts = [
        c
        for c in nodes(body, "characteristic")
        if any(has_system(x, ACTE_SPECIFIQUE) for x in nodes(c, "coding"))
    ]
    inside = [c for c in acts if _act_type(c) != _OUTSIDE_OFFICE]
    outside = [c for c in acts if _act_type(c) == _OUTSIDE_OFFICE]
    outside += [
        node(e.get("valueCodeableConcept"))
        for e in extensions(body, "ror-healthcareservice-outside-office-act")
    ]
    return join(concept_labels(inside, ACTE_SPECIFIQUE)), join(concept_labels(outside))


def _ages(body: Json) -> str:
    ranges = [
        age_range(node(sub.get("valueRange")))
        for patient_type in extensions(body, "ror-healthcareservice-patient-type")
        for sub in nodes(patient_type, "extension")
        if text(sub, "url") == "ageRange"
    ]
    return join(ranges, "; ")


def _contact_telecoms(body: Json) -> list[str]:
    """`telecom`, then the telecoms of the ROR contact extension (both of its published shapes)."""
    values = telecom_values(nodes(body, "telecom"))
    for contact in extensions(body, "ror-healthcareservice-contact"):
        for sub in nodes(contact, "extension"):
            if "valueContactPoint" in sub:
                values.append(text(node(sub.get("valueContactPoint")), "value"))
            values += [
                text(t, "valueString") for t in nodes(sub, "extension") if text(t, "url") == "telecomAddress"
            ]
    return values


def _address(body: Json, locations: Mapping[str, Json]) -> str:
    found = []
    for reference in nodes(body, "location"):
        location_id = reference_id(reference, "Location")
        location = locations.get(location_id) if location_id else None
        if location is not None:
            found.append(address_text(preferred_address(location)))
    return join(found, "; ")


def read_offer(body: Json, *, structure: Resource, locations: Mapping[str, Json]) -> Resource:
    offer_id = offer_id_of(body)
    name = text(body, "name")
    characteristics = nodes(body, "characteristic")
    acts, outside_acts = _specific_acts(body)
    data = {
        "Actes spécifiques": acts,
        "Actes spécifiques hors cabinet": outside_acts,
        "Activités opérationnelles": join(concept_labels(nodes(body, "specialty"))),
        "Adresse offre": _address(body, locations),
        "Age patientèle": _ages(body),
        "Contact offre": join(_contact_telecoms(body)),
        "Horaires": available_times(nodes(body, "availableTime")),
        "Modalités d'accueil": join(concept_labels(characteristics, MODALITE_ACCUEIL)),
        "Mode de prise en charge": join(concept_labels(characteristics, MODE_PRISE_EN_CHARGE)),
        "Tarifs": prices(body, "ror-healthcareservice-price"),
    }
    data.update({label: structure.data.get(label, "") for label in STRUCTURE_ITEMS_OF_OFFERS})
    return Resource(
        kind=ResourceKind.OFFRE,
        resource_id=offer_id,
        name=name,
        structure_id=structure.resource_id,
        structure_name=structure.name,
        region=structure.region,
        departement=structure.departement,
        offer_name=name,
        address=data["Adresse offre"] or structure.address,
        recipient=recipient_of(body),
        data={label: value for label, value in data.items() if value},
        identifier_system=system_naming(nodes(body, "identifier"), offer_id),
    )
