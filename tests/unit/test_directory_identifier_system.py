"""The directory keeps the identifier system of each resource, so a declared Task's `focus.identifier.system`
can say it as the ROR national does (issue 8): the ID National Structure's system for a structure, the
system the directory resource carries for an offer or a professional, none when it carries none."""

from domain.catalogue import ResourceKind
from domain.fhir.directory_import import parse_directory
from domain.fhir.systems import PRACTITIONER_ID_SYSTEM, RPPS_SYSTEM, STRUCTURE_ID_SYSTEM
from tests.unit.test_fhir_directory_import import bundle, healthcare_service, organization

OFFER_SYSTEM = "https://ror.esante.gouv.fr/offre"


def resources(*bodies):  # type: ignore[no-untyped-def]
    result = parse_directory(bundle(*bodies))
    assert result.rejected == []
    return {(r.kind, r.resource_id): r for r in result.resources}


def practitioner(*identifiers: dict[str, str]) -> dict[str, object]:
    return {
        "resourceType": "Practitioner",
        "id": "pract-martin",
        "identifier": list(identifiers),
        "name": [{"family": "MARTIN", "given": ["Claire"]}],
    }


def test_a_structure_is_named_by_the_id_national_structure_system():
    found = resources(organization())

    assert found[(ResourceKind.STRUCTURE, "1110000056")].identifier_system == STRUCTURE_ID_SYSTEM


def test_an_offer_keeps_the_system_of_its_identifier():
    offer = healthcare_service(identifier=[{"system": OFFER_SYSTEM, "value": "91/11359"}])

    found = resources(organization(), offer)

    assert found[(ResourceKind.OFFRE, "91/11359")].identifier_system == OFFER_SYSTEM


def test_an_offer_whose_identifier_has_no_system_has_none():
    found = resources(organization(), healthcare_service())

    assert found[(ResourceKind.OFFRE, "91/11359")].identifier_system is None


def test_the_system_is_the_one_of_the_identifier_that_holds_the_offer_id():
    offer = healthcare_service(
        identifier=[
            {"system": "urn:autre", "value": "interne-42"},
            {"system": OFFER_SYSTEM, "value": "91/11359"},
        ]
    )

    found = resources(organization(), offer)

    assert found[(ResourceKind.OFFRE, "91/11359")].identifier_system == OFFER_SYSTEM


def test_a_professional_keeps_the_system_of_the_identifier_holding_the_rpps():
    found = resources(practitioner({"system": RPPS_SYSTEM, "value": "10003456782"}))

    assert found[(ResourceKind.PROFESSIONNEL, "10003456782")].identifier_system == RPPS_SYSTEM


def test_a_national_pp_identifier_holding_8_and_the_rpps_gives_no_system_for_the_bare_rpps():
    found = resources(practitioner({"system": PRACTITIONER_ID_SYSTEM, "value": "810003456782"}))

    assert found[(ResourceKind.PROFESSIONNEL, "10003456782")].identifier_system is None


def test_a_professional_known_only_through_its_role_keeps_the_system_the_role_names():
    role = {
        "resourceType": "PractitionerRole",
        "id": "role-martin",
        "practitioner": {"identifier": {"system": PRACTITIONER_ID_SYSTEM, "value": "10003456782"}},
    }

    found = resources(role)

    assert found[(ResourceKind.PROFESSIONNEL, "10003456782")].identifier_system == PRACTITIONER_ID_SYSTEM
