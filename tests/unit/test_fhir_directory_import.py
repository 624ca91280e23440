"""Reading ROR FHIR resources into the directory: every mapping rule, every rejection and its reason."""

import json
from typing import Any

import pytest

from domain.catalogue import ResourceKind
from domain.fhir.directory_import import ImportResult, parse_directory
from domain.fhir.rejection import Rejection

SD = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"
NOS = "https://mos.esante.gouv.fr/NOS/"
REGION = NOS + "TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM"
R66 = NOS + "TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"

Json = dict[str, Any]


def coded(table: str, code: str, display: str) -> Json:
    name = table.replace("_", "-")
    return {"coding": [{"system": f"{NOS}{table}/FHIR/{name}", "code": code, "display": display}]}


def organization(
    *,
    id: str = "org-narbonne",
    structure_id: str | None = "1110000056",
    name: str = "CH NARBONNE - HOTEL DIEU",
    region: str | None = "76",
    postal_code: str = "11100",
    recipient: str | None = None,
    **extra: Any,
) -> Json:
    body: Json = {
        "resourceType": "Organization",
        "id": id,
        "meta": {"tag": [{"system": REGION, "code": region}]} if region else {},
        "identifier": (
            [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": structure_id}]
            if structure_id is not None
            else []
        ),
        "name": name,
        "type": [{"coding": [{"system": R66, "code": "355", "display": "Centre Hospitalier (C.H.)"}]}],
        "address": [{"line": ["Boulevard Dr Lacroix"], "postalCode": postal_code, "city": "NARBONNE"}],
        "contact": [{"telecom": [{"system": "phone", "value": "04 68 41 60 00"}]}],
    }
    if recipient:
        body["extension"] = [{"url": "urn:ror-anomalies:recipient", "valueString": recipient}]
    body.update(extra)
    return body


def healthcare_service(
    *,
    id: str = "hs-geriatrie",
    offer_id: str | None = "91/11359",
    name: str = "Unité mobile de Gériatrie",
    provided_by: Json | None = None,
    recipient: str | None = None,
    **extra: Any,
) -> Json:
    body: Json = {
        "resourceType": "HealthcareService",
        "id": id,
        "identifier": [{"value": offer_id}] if offer_id is not None else [],
        "name": name,
        "providedBy": provided_by if provided_by is not None else {"reference": "Organization/org-narbonne"},
    }
    if recipient:
        body["extension"] = [{"url": "urn:ror-anomalies:recipient", "valueString": recipient}]
    body.update(extra)
    return body


def bundle(*resources: Json) -> str:
    return json.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]},
        ensure_ascii=False,
        indent=2,
    )


def ndjson(*resources: Json) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in resources) + "\n"


def only(result: ImportResult, resource_id: str):
    found = [r for r in result.resources if r.resource_id == resource_id]
    assert len(found) == 1, result
    return found[0]


def only_rejection(result: ImportResult) -> Rejection:
    assert len(result.rejected) == 1, result.rejected
    return result.rejected[0]


NARBONNE_ADDRESS = "Boulevard Dr Lacroix 11100 NARBONNE"


# --- Inputs -------------------------------------------------------------------------------------------


def test_a_bundle_and_the_same_resources_as_ndjson_give_the_same_directory():
    resources = (organization(), healthcare_service())

    from_bundle = parse_directory(bundle(*resources))
    from_ndjson = parse_directory(ndjson(*resources))

    assert from_bundle.rejected == from_ndjson.rejected == []
    assert from_bundle.resources == from_ndjson.resources
    assert [r.resource_id for r in from_bundle.resources] == ["1110000056", "91/11359"]


def test_an_unreadable_ndjson_line_is_rejected_with_its_line_number_and_the_rest_loads():
    text = (
        ndjson(organization()) + '{"resourceType": "HealthcareService", \n\n' + ndjson(healthcare_service())
    )

    result = parse_directory(text)

    rejection = only_rejection(result)
    assert (rejection.unit, rejection.position) == ("ligne", 2)
    assert rejection.reason.startswith("Ligne JSON illisible")
    assert [r.resource_id for r in result.resources] == ["1110000056", "91/11359"]


def test_an_ndjson_line_that_is_not_an_object_is_rejected():
    result = parse_directory(ndjson(organization()) + "[1, 2]\n")

    assert only_rejection(result).reason == "La ligne n'est pas une ressource FHIR (objet JSON attendu)."
    assert len(result.resources) == 1


def test_a_bundle_that_is_not_valid_json_is_one_rejection_naming_the_line():
    text = bundle(organization()).replace('"name"', '"name" "oops"', 1)

    result = parse_directory(text)

    rejection = only_rejection(result)
    assert rejection.unit == "ligne"
    assert rejection.position == 23  # the line of `"name" "oops"`
    assert rejection.reason.startswith("JSON illisible, le fichier n'a pas pu être lu")
    assert result.resources == []


def test_an_empty_file_is_reported_rather_than_silently_importing_nothing():
    assert (
        only_rejection(parse_directory("  \n")).reason
        == "Le fichier est vide : aucune ressource FHIR à importer."
    )


def test_a_bundle_entry_without_resource_is_rejected_with_its_entry_number():
    text = json.dumps({"resourceType": "Bundle", "entry": [{"resource": organization()}, {"fullUrl": "x"}]})

    rejection = only_rejection(parse_directory(text))

    assert (rejection.unit, rejection.position) == ("entrée", 2)
    assert rejection.reason == "Entrée du Bundle sans ressource (`resource` absent)."


def test_a_single_resource_document_and_a_json_array_are_read_too():
    assert len(parse_directory(json.dumps(organization())).resources) == 1
    assert len(parse_directory(json.dumps([organization(), healthcare_service()])).resources) == 2


def test_an_unknown_resource_type_is_skipped_and_reported_as_not_supported():
    patient = {"resourceType": "Patient", "id": "p1"}

    result = parse_directory(bundle(organization(), patient))

    rejection = only_rejection(result)
    assert (rejection.position, rejection.resource_type, rejection.resource_id) == (2, "Patient", "p1")
    assert rejection.reason.startswith("Type de ressource non pris en charge : Patient")
    assert rejection.where == "entrée 2 (Patient/p1)"
    assert len(result.resources) == 1


def test_a_resource_without_resource_type_is_rejected():
    assert only_rejection(parse_directory(ndjson({"id": "x"}))).reason == (
        "Type de ressource absent : resourceType attendu."
    )


# --- Structures ---------------------------------------------------------------------------------------


def test_a_structure_carries_its_id_name_address_category_contact_and_place():
    structure = only(parse_directory(bundle(organization())), "1110000056")

    assert structure.kind is ResourceKind.STRUCTURE
    assert (structure.name, structure.structure_id, structure.structure_name) == (
        "CH NARBONNE - HOTEL DIEU",
        "1110000056",
        "CH NARBONNE - HOTEL DIEU",
    )
    assert (structure.region, structure.departement) == ("76", "11")
    assert structure.address == NARBONNE_ADDRESS
    assert structure.recipient is None
    assert structure.data == {
        "Nom de la structure": "CH NARBONNE - HOTEL DIEU",
        "Adresse établissement": NARBONNE_ADDRESS,
        "Catégorie établissement": "Centre Hospitalier (C.H.)",
        "Contact établissement": "04 68 41 60 00",
    }
    assert structure.present_value("Offre manquante") == "Non renseigné"


def test_a_structure_without_national_structure_id_is_rejected_with_the_expected_system():
    finess_only = organization(identifier=[{"system": "https://finess.esante.gouv.fr", "value": "110000056"}])

    rejection = only_rejection(parse_directory(bundle(finess_only)))

    assert rejection.reason == (
        "ID National Structure absent : identifiant de système urn:oid:1.2.250.1.71.4.2.2 attendu."
    )
    assert (rejection.resource_type, rejection.resource_id) == ("Organization", "org-narbonne")


def test_a_structure_with_an_invalid_national_structure_id_is_rejected_with_the_validation_message():
    rejection = only_rejection(parse_directory(bundle(organization(structure_id="9110000056"))))

    assert "doit commencer par le chiffre du type d'identifiant" in rejection.reason


def test_the_category_is_read_from_the_tre_r66_coding_only():
    other = {
        "system": NOS + "TRE_R72-FinessStatutJuridique/FHIR/TRE-R72-FinessStatutJuridique",
        "display": "Commune",
    }
    body = organization(type=[{"coding": [other]}, coded("TRE_R66-CategorieEtablissement", "500", "EHPAD")])

    assert only(parse_directory(bundle(body)), "1110000056").data["Catégorie établissement"] == "EHPAD"


def test_contacts_gather_every_telecom_of_the_contacts_and_of_the_structure_without_repeats():
    body = organization(
        contact=[
            {"telecom": [{"system": "phone", "value": "04 68 41 60 00"}]},
            {"telecom": [{"system": "fax", "value": "04 68 41 60 01"}]},
        ],
        telecom=[
            {"system": "email", "value": "contact@ch-narbonne.fr"},
            {"system": "phone", "value": "04 68 41 60 00"},
        ],
    )

    assert only(parse_directory(bundle(body)), "1110000056").data["Contact établissement"] == (
        "04 68 41 60 00, 04 68 41 60 01, contact@ch-narbonne.fr"
    )


def test_an_address_line_already_holding_postal_code_and_city_is_not_repeated():
    body = organization(
        address=[
            {"line": ["45 rue du général Leclerc, 11100 NARBONNE"], "postalCode": "11100", "city": "NARBONNE"}
        ]
    )

    assert (
        only(parse_directory(bundle(body)), "1110000056").address
        == "45 rue du général Leclerc, 11100 NARBONNE"
    )


def test_opening_closing_dates_closing_type_and_tariffs_come_from_the_ror_extensions():
    body = organization(
        extension=[
            {
                "url": SD + "ror-organization-period",
                "extension": [{"url": "period", "valuePeriod": {"start": "1978-06-01", "end": "2026-03-31"}}],
            },
            {
                "url": SD + "ror-organization-closing-type",
                "valueCodeableConcept": coded("TRE_R201", "2", "Fermeture temporaire"),
            },
            {
                "url": SD + "ror-organization-price",
                "extension": [
                    {
                        "url": "priceType",
                        "valueCodeableConcept": coded("JDV_J36", "01", "Hébergement permanent"),
                    },
                    {"url": "priceUnit", "valueCodeableConcept": coded("JDV_J205", "01", "Par jour")},
                    {"url": "amount", "valueMoney": {"value": 68.4, "currency": "EUR"}},
                ],
            },
        ]
    )

    data = only(parse_directory(bundle(body)), "1110000056").data

    assert data["Date d'ouverture"] == "01/06/1978"
    assert data["Date de fermeture"] == "31/03/2026"
    assert data["Type de fermeture"] == "Fermeture temporaire"
    assert data["Tarifs"] == "Hébergement permanent : 68,40 € (Par jour)"


def test_the_catalogue_shape_of_the_period_extension_is_read_too():
    body = organization(
        extension=[
            {
                "url": SD + "ror-organization-period",
                "extension": [
                    {"url": "openingClosingDate", "valuePeriod": {"start": "2001-09-01T00:00:00+02:00"}}
                ],
            }
        ]
    )

    assert only(parse_directory(bundle(body)), "1110000056").data["Date d'ouverture"] == "01/09/2001"


def test_two_structures_with_the_same_id_keep_the_first_and_reject_the_second():
    result = parse_directory(bundle(organization(), organization(id="org-bis", name="DOUBLON")))

    assert only(result, "1110000056").name == "CH NARBONNE - HOTEL DIEU"
    assert only_rejection(result).reason == (
        "ID National Structure 1110000056 en double : déjà présent (entrée 1), seule la première est chargée."
    )


# --- Région and département ---------------------------------------------------------------------------


def test_the_region_tag_is_used_when_coherent_with_the_address():
    structure = only(parse_directory(bundle(organization(region="76"))), "1110000056")

    assert (structure.region, structure.departement) == ("76", "11")


def test_a_region_tag_contradicting_the_address_gives_way_to_the_departement_s_region():
    structure = only(parse_directory(bundle(organization(region="84"))), "1110000056")

    assert (structure.region, structure.departement) == ("76", "11")


def test_without_tag_the_region_is_derived_from_the_postal_code():
    structure = only(parse_directory(bundle(organization(region=None, postal_code="69003"))), "1110000056")

    assert (structure.region, structure.departement) == ("84", "69")


def test_without_postal_code_the_departement_comes_from_the_finess_number():
    body = organization(region=None, structure_id="1690781810", address=[{"city": "LYON"}])

    structure = only(parse_directory(bundle(body)), "1690781810")

    assert (structure.region, structure.departement) == ("84", "69")


def test_corsican_and_overseas_addresses_get_their_departement():
    corse = organization(id="o1", structure_id="12A0000014", region=None, postal_code="20174")
    reunion = organization(id="o2", structure_id="19D0000016", region=None, postal_code="97400")

    result = parse_directory(bundle(corse, reunion))

    assert (only(result, "12A0000014").region, only(result, "12A0000014").departement) == ("94", "2A")
    assert (only(result, "19D0000016").region, only(result, "19D0000016").departement) == ("04", "974")


def test_a_tag_alone_gives_the_region_when_nothing_locates_the_structure():
    body = organization(region="53", structure_id="2123456789", address=[])

    structure = only(parse_directory(bundle(body)), "2123456789")

    assert (structure.region, structure.departement) == ("53", None)


# --- Offers -------------------------------------------------------------------------------------------


def test_an_offer_belongs_to_its_structure_and_lies_where_it_lies():
    offer = only(parse_directory(bundle(organization(), healthcare_service())), "91/11359")

    assert offer.kind is ResourceKind.OFFRE
    assert (offer.name, offer.offer_name) == ("Unité mobile de Gériatrie", "Unité mobile de Gériatrie")
    assert (offer.structure_id, offer.structure_name) == ("1110000056", "CH NARBONNE - HOTEL DIEU")
    assert (offer.region, offer.departement) == ("76", "11")


def test_an_offer_shows_the_structure_items_of_its_structure():
    data = only(parse_directory(bundle(organization(), healthcare_service())), "91/11359").data

    assert data["Adresse établissement"] == NARBONNE_ADDRESS
    assert data["Contact établissement"] == "04 68 41 60 00"
    assert data["Catégorie établissement"] == "Centre Hospitalier (C.H.)"


def test_the_structure_may_come_after_its_offers_in_the_file():
    result = parse_directory(ndjson(healthcare_service(), organization()))

    assert result.rejected == []
    assert only(result, "91/11359").structure_id == "1110000056"


def test_an_offer_may_name_its_structure_by_identifier():
    provided_by = {"identifier": {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1110000056"}}

    result = parse_directory(bundle(organization(), healthcare_service(provided_by=provided_by)))

    assert only(result, "91/11359").structure_name == "CH NARBONNE - HOTEL DIEU"


def test_an_absolute_or_versioned_reference_to_the_structure_is_resolved():
    provided_by = {"reference": "https://ror.example.fr/fhir/Organization/org-narbonne/_history/3"}

    result = parse_directory(bundle(organization(), healthcare_service(provided_by=provided_by)))

    assert only(result, "91/11359").structure_id == "1110000056"


def test_an_offer_whose_structure_is_not_in_the_file_is_rejected_with_its_reason():
    result = parse_directory(bundle(healthcare_service(provided_by={"reference": "Organization/ailleurs"})))

    rejection = only_rejection(result)
    assert (
        rejection.reason == "Structure de l'offre inconnue : Organization/ailleurs n'est pas dans le fichier."
    )
    assert (rejection.resource_type, rejection.resource_id) == ("HealthcareService", "hs-geriatrie")


def test_an_offer_naming_an_unknown_structure_id_is_rejected():
    provided_by = {"identifier": {"value": "1340780477"}}

    rejection = only_rejection(parse_directory(bundle(healthcare_service(provided_by=provided_by))))

    assert rejection.reason == (
        "Structure de l'offre inconnue : aucune structure d'ID National Structure 1340780477 "
        "dans le fichier ni dans l'annuaire."
    )


def test_an_offer_of_a_structure_loaded_earlier_is_resolved_through_known_structure():
    earlier = only(parse_directory(bundle(organization())), "1110000056")
    provided_by = {"identifier": {"value": "1110000056"}}

    result = parse_directory(
        bundle(healthcare_service(provided_by=provided_by)),
        known_structure=lambda key: earlier if key == earlier.resource_id else None,
    )

    assert only(result, "91/11359").data["Adresse établissement"] == NARBONNE_ADDRESS


def test_an_offer_without_structure_is_rejected_with_its_reason():
    body = healthcare_service()
    del body["providedBy"]

    assert only_rejection(parse_directory(bundle(body))).reason == (
        "Structure de l'offre absente : providedBy doit référencer l'Organization (reference ou identifier.value)."
    )


def test_an_offer_of_a_rejected_structure_is_rejected_saying_where_the_structure_was():
    result = parse_directory(bundle(organization(structure_id=None), healthcare_service()))

    reasons = [(r.position, r.reason) for r in result.rejected]
    assert reasons[1] == (2, "La structure Organization/org-narbonne de l'offre a été rejetée (entrée 1).")
    assert result.resources == []


def test_an_offer_without_id_is_rejected():
    result = parse_directory(bundle(organization(), healthcare_service(offer_id=None)))

    assert (
        only_rejection(result).reason == "ID Offre absent : identifier.value attendu (par exemple 91/11359)."
    )


def test_an_offer_with_an_invalid_id_is_rejected_with_the_validation_message():
    result = parse_directory(bundle(organization(), healthcare_service(offer_id="99/123")))

    assert only_rejection(result).reason == (
        "L'ID Offre « 99/123 » commence par 99, qui n'est pas un code de région."
    )


def test_the_valid_offer_id_is_chosen_among_several_identifiers():
    body = healthcare_service(
        identifier=[{"system": "https://example.org/ids", "value": "ZZZ"}, {"value": "91/11359"}]
    )

    assert only(parse_directory(bundle(organization(), body)), "91/11359")


def test_offer_items_are_read_from_characteristics_specialties_extensions_telecoms_and_hours():
    body = healthcare_service(
        specialty=[coded("TRE_R211-ActiviteOperationnelle", "021", "Gériatrie")],
        characteristic=[
            coded("TRE_R213-ModePriseEnCharge", "33", "Equipe mobile"),
            coded("TRE_R226-ModaliteAccueil", "01", "Accueil sur rendez-vous"),
            coded("TRE_R210-ActeSpecifique", "0412", "Ventilation non invasive"),
            {
                **coded("TRE_R210-ActeSpecifique", "0620", "Vaccination"),
                "extension": [{"url": SD + "ror-act-type", "valueCode": "outsideOfficeAct"}],
            },
        ],
        telecom=[{"system": "phone", "value": "04 68 41 62 35"}],
        availableTime=[
            {
                "daysOfWeek": ["mon", "tue", "wed", "thu", "fri"],
                "availableStartTime": "09:00:00",
                "availableEndTime": "17:00:00",
            }
        ],
        extension=[
            {
                "url": SD + "ror-healthcareservice-patient-type",
                "extension": [
                    {
                        "url": "ageRange",
                        "valueRange": {
                            "low": {"value": 75, "code": "a"},
                            "high": {"value": 120, "code": "a"},
                        },
                    }
                ],
            },
            {
                "url": SD + "ror-healthcareservice-contact",
                "extension": [
                    {
                        "url": SD + "ror-healthcareservice-contact-telecom",
                        "extension": [{"url": "telecomAddress", "valueString": "geriatrie@ch-narbonne.fr"}],
                    }
                ],
            },
            {
                "url": SD + "ror-healthcareservice-price",
                "extension": [
                    {"url": "priceType", "valueCodeableConcept": coded("JDV_J36", "09", "Consultation")},
                    {"url": "amount", "valueMoney": {"value": 30, "currency": "EUR"}},
                ],
            },
        ],
    )

    data = only(parse_directory(bundle(organization(), body)), "91/11359").data

    assert data["Activités opérationnelles"] == "Gériatrie"
    assert data["Mode de prise en charge"] == "Equipe mobile"
    assert data["Modalités d'accueil"] == "Accueil sur rendez-vous"
    assert data["Actes spécifiques"] == "Ventilation non invasive"
    assert data["Actes spécifiques hors cabinet"] == "Vaccination"
    assert data["Contact offre"] == "04 68 41 62 35, geriatrie@ch-narbonne.fr"
    assert data["Horaires"] == "Lun-Ven 9h-17h"
    assert data["Age patientèle"] == "De 75 à 120 ans"
    assert data["Tarifs"] == "Consultation : 30 €"


def test_the_offer_address_comes_from_its_location_and_falls_back_to_the_structure_s():
    location = {
        "resourceType": "Location",
        "id": "loc-1",
        "address": {"line": ["7 Rue Porte de Buc"], "postalCode": "11100", "city": "NARBONNE"},
    }
    located = healthcare_service(location=[{"reference": "Location/loc-1"}])
    elsewhere = healthcare_service(id="hs-2", offer_id="91/1567", location=[{"reference": "Location/absent"}])

    result = parse_directory(bundle(organization(), location, located, elsewhere))

    assert only(result, "91/11359").data["Adresse offre"] == "7 Rue Porte de Buc 11100 NARBONNE"
    assert only(result, "91/11359").address == "7 Rue Porte de Buc 11100 NARBONNE"
    assert only(result, "91/1567").present_value("Adresse offre") == "Non renseigné"
    assert only(result, "91/1567").address == NARBONNE_ADDRESS


def test_absent_offer_items_read_not_provided():
    offer = only(parse_directory(bundle(organization(), healthcare_service())), "91/11359")

    assert offer.present_value("Horaires") == "Non renseigné"
    assert offer.present_value("Tarifs") == "Non renseigné"


# --- Recipients ---------------------------------------------------------------------------------------


def test_the_recipient_extension_names_the_recipient_of_a_structure_and_of_an_offer():
    result = parse_directory(
        bundle(
            organization(recipient="Referent.Finess@CH-Narbonne.fr"),
            healthcare_service(recipient="geriatrie@ch-narbonne.fr"),
        )
    )

    assert only(result, "1110000056").recipient == "referent.finess@ch-narbonne.fr"
    assert only(result, "91/11359").recipient == "geriatrie@ch-narbonne.fr"


def test_an_offer_does_not_inherit_its_structure_s_recipient():
    result = parse_directory(bundle(organization(recipient="referent@ch-narbonne.fr"), healthcare_service()))

    assert only(result, "91/11359").recipient is None


def test_a_recipient_that_is_not_an_email_rejects_the_resource():
    rejection = only_rejection(parse_directory(bundle(organization(recipient="pas une adresse"))))

    assert rejection.reason == (
        "Destinataire invalide : « pas une adresse » n'est pas une adresse e-mail (extension urn:ror-anomalies:recipient)."
    )


# --- Professionnels de santé --------------------------------------------------------------------------


def practitioner(**extra: Any) -> Json:
    body: Json = {
        "resourceType": "Practitioner",
        "id": "pr-1",
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "10003456782"}],
        "name": [{"use": "official", "prefix": ["Dr"], "given": ["Claire"], "family": "MARTIN"}],
    }
    body.update(extra)
    return body


def practitioner_role(**extra: Any) -> Json:
    body: Json = {
        "resourceType": "PractitionerRole",
        "id": "role-1",
        "practitioner": {"reference": "Practitioner/pr-1"},
        "organization": {"reference": "Organization/org-narbonne"},
        "code": [coded("TRE_G15-ProfessionSante", "10", "Médecin")],
        "specialty": [coded("TRE_R38-SpecialiteOrdinale", "SM53", "Gériatrie")],
        "telecom": [{"system": "phone", "value": "04 68 41 62 30"}],
        "availableTime": [
            {"daysOfWeek": ["mon", "wed"], "availableStartTime": "08:30:00", "availableEndTime": "12:00:00"}
        ],
    }
    body.update(extra)
    return body


def test_a_practitioner_and_its_role_make_one_professional_located_at_the_role_s_structure():
    result = parse_directory(bundle(organization(), practitioner(), practitioner_role()))

    professional = only(result, "10003456782")
    assert result.rejected == []
    assert professional.kind is ResourceKind.PROFESSIONNEL
    assert professional.name == "Dr Claire MARTIN"
    assert (professional.structure_id, professional.structure_name) == (
        "1110000056",
        "CH NARBONNE - HOTEL DIEU",
    )
    assert (professional.region, professional.departement) == ("76", "11")
    assert professional.data == {
        "Identité": "Dr Claire MARTIN",
        "Profession": "Médecin",
        "Savoir-faire": "Gériatrie",
        "Contact": "04 68 41 62 30",
        "Lieu d'exercice": "CH NARBONNE - HOTEL DIEU, " + NARBONNE_ADDRESS,
        "Horaires": "Lun, Mer 8h30-12h",
    }


def test_a_role_may_name_its_practitioner_by_rpps_and_the_place_of_practice_by_location():
    location = {
        "resourceType": "Location",
        "id": "loc-1",
        "name": "Cabinet",
        "address": {"line": ["1 Rue Droite"], "postalCode": "29200", "city": "BREST"},
    }
    role = practitioner_role(
        practitioner={"identifier": {"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "10003456782"}},
        organization=None,
        location=[{"reference": "Location/loc-1"}],
    )

    professional = only(parse_directory(bundle(practitioner(id="autre"), location, role)), "10003456782")

    assert professional.data["Lieu d'exercice"] == "Cabinet, 1 Rue Droite 29200 BREST"
    assert (professional.region, professional.departement) == ("53", "29")
    assert professional.structure_id is None


def test_a_role_alone_with_an_rpps_is_a_professional_named_by_its_exercise_name():
    role = practitioner_role(
        practitioner={"display": "Mylène Tenor"},
        identifier=[{"value": "11102379616"}],
        organization=None,
        meta={"tag": [{"system": REGION, "code": "11"}]},
    )

    professional = only(parse_directory(bundle(role)), "11102379616")

    assert professional.name == "Mylène Tenor"
    assert professional.region == "11"


def test_the_national_pp_identifier_8_plus_rpps_gives_the_rpps():
    body = practitioner(identifier=[{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "810003456782"}])

    assert only(parse_directory(bundle(body)), "10003456782")


def test_a_practitioner_without_rpps_is_rejected():
    rejection = only_rejection(parse_directory(bundle(practitioner(identifier=[]))))

    assert rejection.reason.startswith("Numéro RPPS absent")


def test_a_practitioner_whose_rpps_is_not_eleven_digits_is_rejected():
    body = practitioner(identifier=[{"system": "https://rpps.esante.gouv.fr", "value": "12345"}])

    assert only_rejection(parse_directory(bundle(body))).reason == (
        "Le numéro RPPS « 12345 » doit compter exactement 11 chiffres."
    )


def test_a_role_of_an_unknown_practitioner_without_rpps_is_rejected():
    role = practitioner_role(practitioner={"reference": "Practitioner/absent"})

    rejection = only_rejection(parse_directory(bundle(organization(), role)))

    assert rejection.reason == (
        "Professionnel du rôle inconnu : Practitioner/absent n'est pas dans le fichier et aucun numéro RPPS n'est indiqué."
    )


def test_a_practitioner_s_recipient_may_be_carried_by_its_role():
    role = practitioner_role(
        extension=[{"url": "urn:ror-anomalies:recipient", "valueString": "c.martin@ch-narbonne.fr"}]
    )

    professional = only(parse_directory(bundle(organization(), practitioner(), role)), "10003456782")

    assert professional.recipient == "c.martin@ch-narbonne.fr"


def test_several_roles_are_gathered_on_one_professional():
    second = practitioner_role(
        id="role-2",
        code=[coded("TRE_G15-ProfessionSante", "10", "Médecin")],
        specialty=[coded("TRE_R38", "SM26", "Médecine générale")],
    )

    professional = only(
        parse_directory(bundle(organization(), practitioner(), practitioner_role(), second)), "10003456782"
    )

    assert professional.data["Profession"] == "Médecin"
    assert professional.data["Savoir-faire"] == "Gériatrie / Médecine générale"


@pytest.mark.parametrize(
    "broken",
    [
        {"resourceType": "Organization", "identifier": "1110000056"},
        {
            "resourceType": "Organization",
            "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": 42}],
        },
        {
            "resourceType": "HealthcareService",
            "identifier": [{"value": "91/1"}],
            "providedBy": "Organization/x",
        },
        {"resourceType": "Practitioner", "identifier": [None, 3], "name": "Martin"},
        {"resourceType": "PractitionerRole", "practitioner": ["x"]},
    ],
)
def test_wrongly_shaped_resources_are_rejected_never_crash_the_import(broken):
    result = parse_directory(ndjson(organization(), broken))

    assert len(result.rejected) == 1
    assert only(result, "1110000056")


def test_ndjson_whose_first_line_is_broken_still_loads_the_other_lines():
    good = {
        "resourceType": "Organization",
        "id": "org-narbonne",
        "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1110000056"}],
        "name": "CH NARBONNE - HOTEL DIEU",
    }

    result = parse_directory('{"resourceType": "Organization", \n' + json.dumps(good) + "\n")

    assert [r.resource_id for r in result.resources] == ["1110000056"]
    (rejection,) = result.rejected
    assert (rejection.position, rejection.unit) == (1, "ligne")
    assert "JSON illisible" in rejection.reason
