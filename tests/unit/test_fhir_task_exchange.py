"""What goes to the ROR national (a new declaration's RORTask) and what comes back (a Task read into a
RemoteTask), checked against FHIR R4 with fhir.resources and against the official example."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.task import Task

from domain.catalogue import CATALOGUE, ResourceKind, data_item
from domain.fhir.task import draft_task
from domain.fhir.task_reading import UnreadableTaskBody, read_task
from domain.rornational import OTHER_DATA_ITEM, TaskDraft, Watermark
from domain.statuses import Status

# Copies of the ANS's official examples (reference/ror-fhir).
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "ror-fhir"
INPUT_SYSTEM = "https://interop.esante.gouv.fr/ig/fhir/ror/CodeSystem/input-task-ror-codesystem"
TRE_R352 = "https://mos.esante.gouv.fr/NOS/TRE_R352-StatutMetierAnomalie/FHIR/TRE-R352-StatutMetierAnomalie"
AUTHORED = datetime(2026, 1, 15, 9, 30, 12, 345678, tzinfo=UTC)
DECLARANT = "0f8fad5b-d9cb-469f-a165-70867728950e"


def official_example() -> dict:
    return json.loads((REFERENCE / "task-example.json").read_text(encoding="utf-8"))


def a_draft(
    kind: ResourceKind = ResourceKind.STRUCTURE, label: str = "Adresse établissement", **changes: object
) -> TaskDraft:
    values: dict = {
        "resource_id": "1110000056",
        "present_value": "Boulevard Dr Lacroix 11100 NARBONNE",
        "description": "Le numéro de rue manque",
        "declaring_system": "Bot Slack ROR Anomalies",
        "declarant_id": DECLARANT,
        "authored_on": AUTHORED,
    }
    values.update(changes)
    return TaskDraft.for_item(data_item(kind, label), **values)


def inputs_of(task: dict) -> dict[str, dict]:
    return {i["type"]["coding"][0]["code"]: i for i in task["input"]}


def test_a_new_declaration_is_a_valid_fhir_r4_task_following_the_ror_task_profile():
    task = draft_task(a_draft(proposed_value="12 Boulevard Dr Lacroix"))

    Task.model_validate(task)  # raises when not FHIR R4
    assert task["meta"] == {
        "profile": ["https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-task"]
    }
    assert task["status"] == "requested"
    assert task["businessStatus"] == {"coding": [{"system": TRE_R352, "code": "01", "display": "Créé"}]}
    assert task["intent"] == "order"
    assert task["code"]["coding"][0]["system"].endswith("TRE-R350-ThematiqueAnomalie")
    assert task["code"]["coding"][0]["code"] == "06"
    assert task["reasonCode"]["coding"][0]["system"].endswith("TRE-R349-ActionAnomalie")
    assert task["reasonCode"]["coding"][0]["code"] == "COR"
    assert task["description"] == "Le numéro de rue manque"
    assert task["authoredOn"] == task["lastModified"] == "2026-01-15T09:30:12Z"


def test_a_new_declaration_carries_no_identifier_the_ror_national_assigns_it():
    assert "identifier" not in draft_task(a_draft())


def test_the_inputs_name_the_data_item_the_ror_value_the_proposal_and_the_declarant():
    inputs = inputs_of(draft_task(a_draft(proposed_value="12 Boulevard Dr Lacroix")))

    assert all(i["type"]["coding"][0]["system"] == INPUT_SYSTEM for i in inputs.values())
    assert inputs["pathElementError"]["valueExpression"] == {
        "language": "text/fhirpath",
        "expression": "Organization.address",
    }
    assert inputs["errorValue"]["valueString"] == "Boulevard Dr Lacroix 11100 NARBONNE"
    assert inputs["proposedValue"]["valueString"] == "12 Boulevard Dr Lacroix"
    assert inputs["systemRequester"]["valueString"] == "Bot Slack ROR Anomalies"
    assert inputs["identifierRequester"]["valueIdentifier"]["value"] == f"urn:uuid:{DECLARANT}"


def test_without_a_proposal_there_is_no_proposed_value_input():
    assert "proposedValue" not in inputs_of(draft_task(a_draft()))


def test_a_structure_is_named_by_its_id_national_structure_system():
    assert draft_task(a_draft())["focus"] == {
        "type": "Organization",
        "identifier": {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1110000056"},
    }


def test_an_offer_carries_the_system_of_its_directory_resource_or_none_when_unknown():
    known = a_draft(
        ResourceKind.OFFRE, "Horaires", resource_id="91/11359", focus_system="https://ror.example/offre"
    )
    unknown = a_draft(ResourceKind.OFFRE, "Horaires", resource_id="91/11359")

    assert draft_task(known)["focus"] == {
        "type": "HealthcareService",
        "identifier": {"system": "https://ror.example/offre", "value": "91/11359"},
    }
    assert draft_task(unknown)["focus"] == {"type": "HealthcareService", "identifier": {"value": "91/11359"}}


def test_every_catalogue_item_makes_a_valid_task_with_a_well_formed_fhirpath():
    for kind, items in CATALOGUE.items():
        for item in items:
            task = draft_task(a_draft(kind, item.label, resource_id="10003456782"))
            Task.model_validate(task)
            path = inputs_of(task)["pathElementError"]["valueExpression"]["expression"]
            resource = path.split(".", 1)[0]
            assert resource in ("Organization", "HealthcareService", "Practitioner", "PractitionerRole"), path
            assert path.count("(") == path.count(")"), path
            assert path.count("'") % 2 == 0, path


def test_the_official_example_is_read_back_whole():
    task = read_task(official_example())

    assert task.task_id == "ror-task-exemple"
    assert task.identifier is None
    assert task.reference == "ror-task-exemple"
    assert task.status is Status.TO_PROCESS
    assert task.kind is ResourceKind.STRUCTURE
    assert (task.focus_type, task.focus_value, task.focus_system) == ("Organization", "1910800002", None)
    assert task.description == "Ici la catégorie d'établissement n'est pas la bonne"
    assert task.thematique_code == "06"
    assert task.action_code == "COR"
    assert task.system_requester == "IHM"
    assert task.data_item is not None
    assert task.data_item_label == "Catégorie établissement"
    assert task.authored_on == datetime(2024, 1, 3, tzinfo=UTC)
    assert task.last_modified == datetime(2024, 1, 4, tzinfo=UTC)
    assert task.error_values == ()
    assert task.last_updated is None


def test_the_official_example_validates_as_a_fhir_r4_task():
    Task.model_validate(official_example())


def test_a_draft_read_back_keeps_every_field_we_sent():
    body = draft_task(a_draft(proposed_value="12 Boulevard Dr Lacroix"))
    body |= {
        "id": "8841",
        "meta": {
            **body["meta"],
            "versionId": "3",
            "lastUpdated": "2026-01-15T09:30:13.250+00:00",
            "tag": [
                {
                    "system": "https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM",
                    "code": "76",
                }
            ],
        },
        "identifier": [{"system": "https://ror.example/anomalie", "value": "ANO_500000000123"}],
    }

    task = read_task(body)

    assert (task.task_id, task.version, task.reference) == ("8841", "3", "ANO_500000000123")
    assert task.identifier is not None
    assert task.identifier.system == "https://ror.example/anomalie"
    assert task.region == "76"
    assert task.status is Status.CREATED
    assert task.focus_system == "urn:oid:1.2.250.1.71.4.2.2"
    assert task.data_item_label == "Adresse établissement"
    assert task.error_value == "Boulevard Dr Lacroix 11100 NARBONNE"
    assert task.proposed_value == "12 Boulevard Dr Lacroix"
    assert task.identifier_requester is not None
    assert task.identifier_requester.value == f"urn:uuid:{DECLARANT}"
    assert task.authored_on == AUTHORED.replace(microsecond=0)
    assert task.last_updated == Watermark("2026-01-15T09:30:13.250+00:00")


def test_a_path_in_no_catalogue_is_kept_and_read_as_other_data():
    body = official_example()
    body["input"][1]["valueExpression"]["expression"] = (
        "Organization.extension('https://ror.example/unknown')"
    )

    task = read_task(body)

    assert task.data_item is None
    assert task.data_item_label == OTHER_DATA_ITEM == "Autre donnée"
    assert task.path_element_error == "Organization.extension('https://ror.example/unknown')"


def test_a_status_outside_the_table_and_a_foreign_focus_type_are_kept_as_written():
    body = official_example()
    body["businessStatus"]["coding"][0]["code"] = "42"
    body["focus"] = {"type": "Device", "identifier": {"value": "X"}}

    task = read_task(body)

    assert task.business_status == "42"
    assert task.status is None
    assert task.kind is None
    assert task.data_item_label == OTHER_DATA_ITEM


def test_a_search_region_is_used_only_when_the_task_has_no_region_tag():
    assert read_task(official_example(), region="11").region == "11"


def test_a_body_without_id_is_not_a_task_we_can_follow():
    body = official_example()
    del body["id"]

    with pytest.raises(UnreadableTaskBody):
        read_task(body)


def test_a_watermark_keeps_the_server_s_precision_and_compares_by_moment():
    mark = Watermark("2026-01-15T10:30:00.123456+01:00")

    assert mark.text == "2026-01-15T10:30:00.123456+01:00"
    assert mark.at == datetime(2026, 1, 15, 9, 30, 0, 123456, tzinfo=UTC)
    assert Watermark("2026-01-15T09:30:00Z") < mark < Watermark("2026-01-15T09:30:00.124Z")


def test_a_watermark_moved_back_for_the_overlap_is_still_precise():
    mark = Watermark("2026-01-15T09:30:00.123Z").earlier_by(timedelta(seconds=2))

    assert mark.at == datetime(2026, 1, 15, 9, 29, 58, 123000, tzinfo=UTC)
    assert mark.text == "2026-01-15T09:29:58.123000Z"


def test_a_watermark_refuses_what_is_not_an_instant():
    with pytest.raises(ValueError, match="hier"):
        Watermark("hier")
