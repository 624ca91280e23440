"""Anomalies as RORTask (FHIR R4 Task) and the PATCH body of a status change (reference/ror-fhir)."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from domain.anomaly import Anomaly, HistoryEntry
from domain.catalogue import Action, ResourceKind, Thematique, data_item
from domain.fhir.task import anomaly_to_task, status_patch
from domain.statuses import Role, Status

INPUT_SYSTEM = "https://interop.esante.gouv.fr/ig/fhir/ror/CodeSystem/input-task-ror-codesystem"
TRE_R352 = "https://mos.esante.gouv.fr/NOS/TRE_R352-StatutMetierAnomalie/FHIR/TRE-R352-StatutMetierAnomalie"

# Official example body, reference/ror-fhir/task-example.json (ANS, IG ror RORTaskExemple).
OFFICIAL_TASK = {
    "resourceType": "Task",
    "id": "ror-task-exemple",
    "meta": {"profile": ["https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-task"]},
    "status": "in-progress",
    "businessStatus": {"coding": [{"system": TRE_R352, "code": "02", "display": "À traiter"}]},
    "intent": "order",
    "code": {
        "coding": [
            {
                "system": "https://mos.esante.gouv.fr/NOS/TRE_R350-ThematiqueAnomalie/FHIR/TRE-R350-ThematiqueAnomalie",
                "code": "06",
                "display": "Exactitude",
            }
        ]
    },
    "description": "Ici la catégorie d'établissement n'est pas la bonne",
    "focus": {"type": "Organization", "identifier": {"value": "1910800002"}},
    "authoredOn": "2024-01-03",
    "lastModified": "2024-01-04",
    "reasonCode": {
        "coding": [
            {
                "system": "https://mos.esante.gouv.fr/NOS/TRE_R349-ActionAnomalie/FHIR/TRE-R349-ActionAnomalie",
                "code": "COR",
                "display": "Correction",
            }
        ]
    },
    "input": [
        {"type": {"coding": [{"system": INPUT_SYSTEM, "code": "systemRequester"}]}, "valueString": "IHM"},
        {
            "type": {"coding": [{"system": INPUT_SYSTEM, "code": "pathElementError"}]},
            "valueExpression": {
                "language": "text/fhirpath",
                "expression": "Organization.type.coding.where(system='https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement')",
            },
        },
    ],
}
OFFICIAL_PATCH = {
    "resourceType": "Parameters",
    "parameter": [
        {
            "name": "operation",
            "part": [
                {"name": "type", "valueString": "replace"},
                {"name": "path", "valueString": "Task.businessStatus"},
                {
                    "name": "value",
                    "valueCodeableConcept": {
                        "coding": [{"system": TRE_R352, "code": "03", "display": "Annulé"}]
                    },
                },
            ],
        }
    ],
}
CREATED = datetime(2024, 1, 3, 10, 15, tzinfo=UTC)
CATEGORY = data_item(ResourceKind.STRUCTURE, "Catégorie établissement")


def official_anomaly(**changes: object) -> Anomaly:
    """The anomaly the official example describes."""
    anomaly = Anomaly(
        reference="ANO_100000000909",
        status=Status.TO_PROCESS,
        kind=ResourceKind.STRUCTURE,
        resource_id="1910800002",
        structure_id="1910800002",
        structure_name="CH SUD FRANCILIEN",
        offer_name=None,
        region="11",
        departement="91",
        data_item=CATEGORY.label,
        present_value="Centre Hospitalier (C.H.)",
        description="Ici la catégorie d'établissement n'est pas la bonne",
        thematique=Thematique.EXACTITUDE,
        action=Action.CORRECTION,
        fhir_path=CATEGORY.fhir_path,
        declaring_system="IHM",
        declarant_id="0f8fad5b-d9cb-469f-a165-70867728950e",
        created_at=CREATED,
        updated_at=CREATED + timedelta(days=1),
    )
    return replace(anomaly, **changes)  # type: ignore[arg-type]


def inputs_by_code(task: dict) -> dict[str, dict]:
    return {i["type"]["coding"][0]["code"]: i for i in task["input"]}


def test_the_task_of_the_official_example_s_anomaly_matches_the_official_example():
    task = anomaly_to_task(official_anomaly())

    for key in (
        "resourceType",
        "meta",
        "businessStatus",
        "intent",
        "code",
        "description",
        "reasonCode",
    ):
        assert task[key] == OFFICIAL_TASK[key], key
    # Issue 8: an ID National Structure is named with its system, which the official example leaves out.
    assert task["focus"] == {
        "type": "Organization",
        "identifier": {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1910800002"},
    }
    assert set(OFFICIAL_TASK) - {"id"} <= set(task)
    assert task["authoredOn"].startswith(OFFICIAL_TASK["authoredOn"])
    assert task["lastModified"].startswith(OFFICIAL_TASK["lastModified"])
    ours = inputs_by_code(task)
    for official in OFFICIAL_TASK["input"]:
        assert ours[official["type"]["coding"][0]["code"]] == official


def test_the_task_status_is_a_fhir_task_status_derived_from_the_business_status():
    fhir_statuses = {"requested", "ready", "in-progress", "on-hold", "cancelled", "completed", "rejected"}

    for status in Status:
        assert anomaly_to_task(official_anomaly(status=status))["status"] in fhir_statuses
    assert anomaly_to_task(official_anomaly(status=Status.CANCELLED))["status"] == "cancelled"
    assert anomaly_to_task(official_anomaly(status=Status.CORRECTED))["status"] == "completed"
    assert anomaly_to_task(official_anomaly(status=Status.REFUSED))["status"] == "rejected"


def test_the_business_status_carries_the_nos_label_not_the_feminine_one():
    task = anomaly_to_task(official_anomaly(status=Status.BLOCKED_NO_RECIPIENT))

    assert task["businessStatus"]["coding"] == [
        {"system": TRE_R352, "code": "04", "display": "Bloqué (destinataire manquant)"}
    ]


def test_the_reference_is_the_task_identifier():
    assert anomaly_to_task(official_anomaly())["identifier"] == [
        {"system": "urn:ror-anomalies:reference", "value": "ANO_100000000909"}
    ]


def test_dates_are_iso_8601_in_utc():
    paris_winter = timezone(timedelta(hours=1))
    task = anomaly_to_task(
        official_anomaly(
            created_at=datetime(2024, 1, 3, 11, 15, 30, 123456, tzinfo=paris_winter),
            updated_at=datetime(2024, 1, 4, 0, 30, tzinfo=paris_winter),
        )
    )

    assert task["authoredOn"] == "2024-01-03T10:15:30Z"
    assert task["lastModified"] == "2024-01-03T23:30:00Z"


def test_the_focus_names_the_fhir_type_of_offers_and_professionals():
    offer = anomaly_to_task(official_anomaly(kind=ResourceKind.OFFRE, resource_id="91/11359"))
    professional = anomaly_to_task(
        official_anomaly(kind=ResourceKind.PROFESSIONNEL, resource_id="10003456782")
    )

    assert offer["focus"] == {"type": "HealthcareService", "identifier": {"value": "91/11359"}}
    assert professional["focus"] == {"type": "Practitioner", "identifier": {"value": "10003456782"}}


def test_every_input_slice_is_written_with_the_ror_input_code_system():
    task = anomaly_to_task(
        official_anomaly(rule="R_ADR_001", proposed_value="Centre Hospitalier Régional (C.H.R.)")
    )

    inputs = inputs_by_code(task)
    assert list(inputs) == [
        "ruleErrorId",
        "errorValue",
        "proposedValue",
        "pathElementError",
        "systemRequester",
        "identifierRequester",
    ]
    assert all(i["type"]["coding"][0]["system"] == INPUT_SYSTEM for i in task["input"])
    assert inputs["ruleErrorId"]["valueString"] == "R_ADR_001"
    assert inputs["errorValue"]["valueString"] == "Centre Hospitalier (C.H.)"
    assert inputs["proposedValue"]["valueString"] == "Centre Hospitalier Régional (C.H.R.)"
    assert inputs["identifierRequester"]["valueIdentifier"] == {
        "system": "urn:ietf:rfc:3986",
        "value": "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
    }


def test_a_manual_declaration_without_proposal_has_no_rule_nor_proposed_value_slice():
    inputs = inputs_by_code(anomaly_to_task(official_anomaly()))

    assert "ruleErrorId" not in inputs
    assert "proposedValue" not in inputs


def test_requester_and_owner_are_written_when_known():
    known = anomaly_to_task(official_anomaly(group_name="Éditeur Sud", recipient="referent.finess@chsf.fr"))
    unknown = anomaly_to_task(official_anomaly())

    assert known["requester"] == {"display": "Éditeur Sud"}
    assert known["owner"] == {
        "identifier": {"system": "urn:ietf:rfc:3986", "value": "mailto:referent.finess@chsf.fr"},
        "display": "referent.finess@chsf.fr",
    }
    assert "requester" not in unknown
    assert "owner" not in unknown


def history_entry(at: datetime, previous: Status | None, status: Status) -> HistoryEntry:
    return HistoryEntry(at, previous, status, "x", Role.SYSTEM, "IHM")


def test_the_execution_period_runs_from_the_sending_to_the_final_status():
    sent, corrected = CREATED + timedelta(minutes=1), CREATED + timedelta(days=2)
    history = [
        history_entry(CREATED, None, Status.CREATED),
        history_entry(sent, Status.CREATED, Status.SENT_TO_RECIPIENT),
        history_entry(corrected, Status.SENT_TO_RECIPIENT, Status.CORRECTED),
    ]

    closed = anomaly_to_task(official_anomaly(status=Status.CORRECTED, history=history))
    open_ = anomaly_to_task(official_anomaly(status=Status.SENT_TO_RECIPIENT, history=history[:2]))

    assert closed["executionPeriod"] == {"start": "2024-01-03T10:16:00Z", "end": "2024-01-05T10:15:00Z"}
    assert open_["executionPeriod"] == {"start": "2024-01-03T10:16:00Z"}
    assert "executionPeriod" not in anomaly_to_task(official_anomaly())


def test_the_corrected_value_is_an_output_only_once_the_anomaly_is_corrected():
    corrected = anomaly_to_task(
        official_anomaly(status=Status.CORRECTED), new_value="Centre Hospitalier Régional"
    )
    still_open = anomaly_to_task(official_anomaly(), new_value="Centre Hospitalier Régional")

    assert corrected["output"] == [
        {
            "type": {
                "coding": [
                    {
                        "system": "https://interop.esante.gouv.fr/ig/fhir/ror/CodeSystem/output-task-ror-codesystem",
                        "code": "newValue",
                    }
                ]
            },
            "valueString": "Centre Hospitalier Régional",
        }
    ]
    assert "output" not in still_open


def test_the_task_is_plain_json():
    task = anomaly_to_task(official_anomaly(group_name="Éditeur", recipient="a@b.fr"))

    assert json.loads(json.dumps(task, ensure_ascii=False)) == task


def test_the_cancel_patch_is_the_official_example():
    assert status_patch(Status.CANCELLED) == OFFICIAL_PATCH


def test_the_correction_patch_replaces_the_business_status_by_08():
    value = status_patch(Status.CORRECTED)["parameter"][0]["part"][2]

    assert value == {
        "name": "value",
        "valueCodeableConcept": {"coding": [{"system": TRE_R352, "code": "08", "display": "Corrigé"}]},
    }
