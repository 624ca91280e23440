"""An anomaly as a RORTask (FHIR R4 Task), and the PATCH body moving its business status.

Mapping: reference/ror-fhir/README.md. Choices where the profile leaves room:
- `identifier`: system `urn:ror-anomalies:reference`, value the reference (`ANO_…`);
- `owner`: the recipient's e-mail, as a `mailto:` URI identifier (system urn:ietf:rfc:3986) and display;
- `input[identifierRequester]`: the declarant's UUID as `urn:uuid:…` (system urn:ietf:rfc:3986);
- `executionPeriod`: start when first sent to the recipient, end when a final status was reached."""

from datetime import UTC, datetime
from typing import Any

from domain.anomaly import Anomaly
from domain.fhir.systems import (
    ACTION_SYSTEM,
    INPUT_TASK_SYSTEM,
    OUTPUT_TASK_SYSTEM,
    REFERENCE_SYSTEM,
    TASK_PROFILE,
    THEMATIQUE_SYSTEM,
)
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


def _inputs(anomaly: Anomaly) -> list[Json]:
    inputs = []
    if anomaly.rule:
        inputs.append(_slice(INPUT_TASK_SYSTEM, "ruleErrorId", valueString=anomaly.rule))
    inputs.append(_slice(INPUT_TASK_SYSTEM, "errorValue", valueString=anomaly.present_value))
    if anomaly.proposed_value:
        inputs.append(_slice(INPUT_TASK_SYSTEM, "proposedValue", valueString=anomaly.proposed_value))
    inputs.append(
        _slice(
            INPUT_TASK_SYSTEM,
            "pathElementError",
            valueExpression={"language": "text/fhirpath", "expression": anomaly.fhir_path},
        )
    )
    inputs.append(_slice(INPUT_TASK_SYSTEM, "systemRequester", valueString=anomaly.declaring_system))
    if anomaly.declarant_id:
        inputs.append(
            _slice(
                INPUT_TASK_SYSTEM,
                "identifierRequester",
                valueIdentifier={"system": URI_SYSTEM, "value": f"urn:uuid:{anomaly.declarant_id}"},
            )
        )
    return inputs


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
    task: Json = {
        "resourceType": "Task",
        "meta": {"profile": [TASK_PROFILE]},
        "identifier": [{"system": REFERENCE_SYSTEM, "value": anomaly.reference}],
        "status": anomaly.status.fhir_task_status,
        "businessStatus": business_status(anomaly.status),
        "intent": "order",
        "code": _concept(THEMATIQUE_SYSTEM, anomaly.thematique.value, anomaly.thematique.label),
        "description": anomaly.description,
        "focus": {"type": anomaly.kind.fhir_type, "identifier": {"value": anomaly.resource_id}},
        "authoredOn": fhir_instant(anomaly.created_at),
        "lastModified": fhir_instant(anomaly.updated_at),
        "reasonCode": _concept(ACTION_SYSTEM, anomaly.action.value, anomaly.action.label),
    }
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
    task["input"] = _inputs(anomaly)
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
