"""An anomaly as a RORTask (FHIR R4 Task), a new declaration's Task, and the PATCH body moving a
business status.

Mapping: reference/ror-fhir/README.md and issue 8. Choices where the profile leaves room:
- a new declaration (`draft_task`) carries no `identifier` (the ROR national assigns it), businessStatus
  01 « Créé », status `requested`, `lastModified` = `authoredOn`;
- `focus.identifier.system`: `urn:oid:1.2.250.1.71.4.2.2` for an ID National Structure; for offers and
  professionals the system the directory resource carries, omitted when unknown (as the official example);
- `identifier` of a local anomaly (`to_task`): system `urn:ror-anomalies:reference`, value `ANO_…`;
- `owner`: the recipient's e-mail, as a `mailto:` URI identifier (system urn:ietf:rfc:3986) and display;
- `input[identifierRequester]`: the declarant's UUID as `urn:uuid:…` (system urn:ietf:rfc:3986);
- `executionPeriod`: start when first sent to the recipient, end when a final status was reached."""

from datetime import UTC, datetime
from typing import Any

from domain.anomaly import Anomaly
from domain.catalogue import Action, ResourceKind, Thematique
from domain.fhir.systems import (
    ACTION_SYSTEM,
    INPUT_TASK_SYSTEM,
    OUTPUT_TASK_SYSTEM,
    REFERENCE_SYSTEM,
    STRUCTURE_ID_SYSTEM,
    TASK_PROFILE,
    THEMATIQUE_SYSTEM,
)
from domain.rornational import TaskDraft
from domain.statuses import NOS_SYSTEM, Status

Json = dict[str, Any]
URI_SYSTEM = "urn:ietf:rfc:3986"


def fhir_instant(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the second (FHIR dateTime)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _concept(system: str, code: str, display: str) -> Json:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def business_status(status: Status) -> Json:
    return _concept(NOS_SYSTEM, status.code, status.nos_label)


def _slice(system: str, code: str, **value: Any) -> Json:
    return {"type": {"coding": [{"system": system, "code": code}]}, **value}


def _inputs(
    *,
    rule: str | None,
    present_value: str,
    proposed_value: str | None,
    fhir_path: str,
    declaring_system: str,
    declarant_id: str,
) -> list[Json]:
    inputs = []
    if rule:
        inputs.append(_slice(INPUT_TASK_SYSTEM, "ruleErrorId", valueString=rule))
    inputs.append(_slice(INPUT_TASK_SYSTEM, "errorValue", valueString=present_value))
    if proposed_value:
        inputs.append(_slice(INPUT_TASK_SYSTEM, "proposedValue", valueString=proposed_value))
    inputs.append(
        _slice(
            INPUT_TASK_SYSTEM,
            "pathElementError",
            valueExpression={"language": "text/fhirpath", "expression": fhir_path},
        )
    )
    inputs.append(_slice(INPUT_TASK_SYSTEM, "systemRequester", valueString=declaring_system))
    if declarant_id:
        inputs.append(
            _slice(
                INPUT_TASK_SYSTEM,
                "identifierRequester",
                valueIdentifier={"system": URI_SYSTEM, "value": f"urn:uuid:{declarant_id}"},
            )
        )
    return inputs


def focus(kind: ResourceKind, resource_id: str, system: str | None = None) -> Json:
    """`Task.focus`: the resource type and its identifier, with the system right for the kind."""
    if system is None and kind is ResourceKind.STRUCTURE:
        system = STRUCTURE_ID_SYSTEM
    identifier = {"system": system, "value": resource_id} if system else {"value": resource_id}
    return {"type": kind.fhir_type, "identifier": identifier}


def _core(
    *,
    status: Status,
    thematique: Thematique,
    action: Action,
    description: str,
    focus_: Json,
    authored_on: datetime,
    last_modified: datetime,
) -> Json:
    return {
        "resourceType": "Task",
        "meta": {"profile": [TASK_PROFILE]},
        "status": status.fhir_task_status,
        "businessStatus": business_status(status),
        "intent": "order",
        "code": _concept(THEMATIQUE_SYSTEM, thematique.value, thematique.label),
        "description": description,
        "focus": focus_,
        "authoredOn": fhir_instant(authored_on),
        "lastModified": fhir_instant(last_modified),
        "reasonCode": _concept(ACTION_SYSTEM, action.value, action.label),
    }


def draft_task(draft: TaskDraft) -> Json:
    """The body of `POST [base]/Task` declaring one data item: businessStatus 01 « Créé », no
    identifier (the ROR national assigns it)."""
    task = _core(
        status=Status.CREATED,
        thematique=draft.thematique,
        action=draft.action,
        description=draft.description,
        focus_=focus(draft.kind, draft.resource_id, draft.focus_system),
        authored_on=draft.authored_on,
        last_modified=draft.authored_on,
    )
    task["input"] = _inputs(
        rule=draft.rule,
        present_value=draft.present_value,
        proposed_value=draft.proposed_value,
        fhir_path=draft.fhir_path,
        declaring_system=draft.declaring_system,
        declarant_id=draft.declarant_id,
    )
    return task


def _execution_period(anomaly: Anomaly) -> Json:
    sent = next((h.at for h in anomaly.history if h.status is Status.SENT_TO_RECIPIENT), None)
    ended = next((h.at for h in reversed(anomaly.history) if h.status.is_final), None)
    period = {}
    if sent is not None:
        period["start"] = fhir_instant(sent)
    if ended is not None and anomaly.status.is_final:
        period["end"] = fhir_instant(ended)
    return period


def to_task(anomaly: Anomaly, *, new_value: str | None = None) -> Json:
    """The RORTask of an anomaly; `new_value` (the corrected value, when the recipient gave it) is
    written as `output[newValue]` once the anomaly is Corrigée."""
    task = _core(
        status=anomaly.status,
        thematique=anomaly.thematique,
        action=anomaly.action,
        description=anomaly.description,
        focus_=focus(anomaly.kind, anomaly.resource_id),
        authored_on=anomaly.created_at,
        last_modified=anomaly.updated_at,
    )
    task["identifier"] = [{"system": REFERENCE_SYSTEM, "value": anomaly.reference}]
    period = _execution_period(anomaly)
    if period:
        task["executionPeriod"] = period
    if anomaly.group_name:
        task["requester"] = {"display": anomaly.group_name}
    if anomaly.recipient:
        task["owner"] = {
            "identifier": {"system": URI_SYSTEM, "value": f"mailto:{anomaly.recipient}"},
            "display": anomaly.recipient,
        }
    task["input"] = _inputs(
        rule=anomaly.rule,
        present_value=anomaly.present_value,
        proposed_value=anomaly.proposed_value,
        fhir_path=anomaly.fhir_path,
        declaring_system=anomaly.declaring_system,
        declarant_id=anomaly.declarant_id,
    )
    if new_value and anomaly.status is Status.CORRECTED:
        task["output"] = [_slice(OUTPUT_TASK_SYSTEM, "newValue", valueString=new_value)]
    return task


# Earlier name, kept for callers written against it.
anomaly_to_task = to_task


def status_patch(status: Status) -> Json:
    """FHIRPath-patch body of `PATCH [base]/Task/[id]` replacing `Task.businessStatus`."""
    return {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueString": "replace"},
                    {"name": "path", "valueString": "Task.businessStatus"},
                    {"name": "value", "valueCodeableConcept": business_status(status)},
                ],
            }
        ],
    }
