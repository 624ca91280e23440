"""RORPractitioner and its RORPractitionerRoles → one Professionnel de Santé of the directory.

A practitioner's data items are spread over its roles (profession, savoir-faire, contact, place and
hours of practice): they are gathered per RPPS, values of several roles separated by « / »."""

from collections.abc import Callable, Mapping, Sequence

from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.errors import InvalidIdentifier
from domain.fhir.focus import system_naming
from domain.fhir.placement import place, region_tag
from domain.fhir.recipient import recipient_of
from domain.fhir.rejection import ResourceRejected
from domain.fhir.systems import PRACTITIONER_ID_SYSTEM, RPPS_SYSTEM
from domain.fhir.values import (
    Json,
    address_text,
    available_times,
    concept_labels,
    extensions,
    human_name,
    join,
    node,
    nodes,
    preferred_address,
    reference_id,
    telecom_values,
    text,
)
from domain.identifiers import parse_rpps

ROLES_SEPARATOR = " / "
StructureOf = Callable[[Json], Resource | None]


def rpps_of(identifiers: Sequence[Json]) -> str | None:
    """The RPPS among identifiers: RPPS system, national PP system (RPPS or 8 + RPPS), else an
    identifier without system holding 11 digits. An RPPS-system value that is not 11 digits is an error."""
    for identifier in identifiers:
        system, value = text(identifier, "system"), text(identifier, "value")
        if system not in (RPPS_SYSTEM, PRACTITIONER_ID_SYSTEM) or not value:
            continue
        if system == PRACTITIONER_ID_SYSTEM and len(value) == 12 and value.startswith("8"):
            value = value[1:]
        try:
            return parse_rpps(value)
        except InvalidIdentifier as error:
            raise ResourceRejected(error.message) from None
    for identifier in identifiers:
        value = text(identifier, "value")
        if not text(identifier, "system") and len(value) == 11 and value.isdigit():
            return value
    return None


def practitioner_rpps(body: Json) -> str:
    rpps = rpps_of(nodes(body, "identifier"))
    if rpps is None:
        raise ResourceRejected(
            f"Numéro RPPS absent : identifiant de système {PRACTITIONER_ID_SYSTEM} ou {RPPS_SYSTEM} "
            "attendu (11 chiffres)."
        )
    return rpps


def role_rpps(role: Json) -> str | None:
    reference = node(role.get("practitioner"))
    return rpps_of([node(reference.get("identifier")), *nodes(role, "identifier")])


def role_practitioner_id(role: Json) -> str | None:
    return reference_id(node(role.get("practitioner")), "Practitioner")


def _identity(practitioner: Json, roles: Sequence[Json]) -> str:
    names = nodes(practitioner, "name")
    official = [n for n in names if text(n, "use") == "official"] or names
    if official and human_name(official[0]):
        return human_name(official[0])
    for role in roles:
        for extension in extensions(role, "RORPractitionerRoleName"):
            parts = {text(sub, "url"): text(sub, "valueString") for sub in nodes(extension, "extension")}
            written = join([parts.get("exerciseFirstName", ""), parts.get("exerciseLastName", "")], " ")
            if written:
                return written
        display = text(node(role.get("practitioner")), "display")
        if display:
            return display
    return ""


def _workplace(role: Json, structure: Resource | None, locations: Mapping[str, Json]) -> str:
    places = []
    for reference in nodes(role, "location"):
        location_id = reference_id(reference, "Location")
        location = locations.get(location_id) if location_id else None
        if location is not None:
            places.append(join([text(location, "name"), address_text(preferred_address(location))]))
        else:
            places.append(text(reference, "display"))
    if not any(places) and structure is not None:
        places.append(join([structure.name, structure.address]))
    if not any(places):
        places.append(text(node(role.get("organization")), "display"))
    return join(places, "; ")


def _practice_address(practitioner: Json, roles: Sequence[Json], locations: Mapping[str, Json]) -> Json:
    """The address of the first place of practice the file describes, else the practitioner's own."""
    for role in roles:
        for reference in nodes(role, "location"):
            location_id = reference_id(reference, "Location")
            location = locations.get(location_id) if location_id else None
            if location is not None and preferred_address(location):
                return preferred_address(location)
    return preferred_address(practitioner)


def read_practitioner(
    rpps: str,
    *,
    practitioner: Json,
    roles: Sequence[Json],
    structure_of: StructureOf,
    locations: Mapping[str, Json],
) -> Resource:
    """`practitioner` is {} when the file holds only roles naming the RPPS."""
    structures = [structure_of(role) for role in roles]
    structure = next((s for s in structures if s is not None), None)
    address = _practice_address(practitioner, roles, locations)
    if structure is not None:
        region, departement = structure.region, structure.departement
    else:
        tag = region_tag(practitioner) or next((region_tag(r) for r in roles if region_tag(r)), None)
        region, departement = place(tag=tag, postal_code=text(address, "postalCode"), finess=None)
    name = _identity(practitioner, roles)

    def per_role(value_of: Callable[[Json], str]) -> str:
        return join((value_of(role) for role in roles), ROLES_SEPARATOR)

    data = {
        "Identité": name,
        "Profession": per_role(lambda r: join(concept_labels(nodes(r, "code")))),
        "Savoir-faire": per_role(lambda r: join(concept_labels(nodes(r, "specialty")))),
        "Contact": join(
            [
                *telecom_values(t for r in roles for t in nodes(r, "telecom")),
                *telecom_values(nodes(practitioner, "telecom")),
            ]
        ),
        "Lieu d'exercice": join(
            (_workplace(r, s, locations) for r, s in zip(roles, structures, strict=True)), ROLES_SEPARATOR
        ),
        "Horaires": per_role(lambda r: available_times(nodes(r, "availableTime"))),
    }
    recipient = recipient_of(practitioner) or next((recipient_of(r) for r in roles if recipient_of(r)), None)
    return Resource(
        kind=ResourceKind.PROFESSIONNEL,
        resource_id=rpps,
        name=name or rpps,
        structure_id=structure.resource_id if structure else None,
        structure_name=structure.name if structure else "",
        region=region,
        departement=departement,
        address=address_text(address) or (structure.address if structure else ""),
        recipient=recipient,
        data={label: value for label, value in data.items() if value},
        identifier_system=system_naming(
            [
                *nodes(practitioner, "identifier"),
                *(node(node(role.get("practitioner")).get("identifier")) for role in roles),
            ],
            rpps,
        ),
    )
