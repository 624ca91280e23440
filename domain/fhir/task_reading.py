"""A RORTask read back from the ROR national (GET, search, sync) → `RemoteTask`.

Tolerant like the directory reader: the Task may come from the ROR web form or another éditeur's
system, carry a date where we write an instant, omit what we always send, or name a FHIRPath that is
in no catalogue (kept as written: the anomaly is then « Autre donnée »). Only `id` is required."""

from datetime import datetime

from domain.fhir.placement import region_tag
from domain.fhir.systems import ACTION_SYSTEM, INPUT_TASK_SYSTEM, OUTPUT_TASK_SYSTEM, THEMATIQUE_SYSTEM
from domain.fhir.values import Json, node, nodes, text
from domain.rornational import RemoteIdentifier, RemoteTask, Watermark, parse_fhir_moment
from domain.statuses import NOS_SYSTEM


class UnreadableTaskBody(ValueError):
    """Not a Task at all (no `id`, wrong resourceType); the message says why, in French."""


def _code(concept: Json, system: str) -> str | None:
    codings = nodes(concept, "coding")
    chosen = next((c for c in codings if text(c, "system") == system), codings[0] if codings else {})
    return text(chosen, "code") or None


def _identifier(value: object) -> RemoteIdentifier | None:
    found = node(value[0] if isinstance(value, list) and value else value)
    if not text(found, "value"):
        return None
    return RemoteIdentifier(value=text(found, "value"), system=text(found, "system") or None)


def _slice_code(item: Json) -> str:
    codings = nodes(node(item.get("type")), "coding")
    known = [c for c in codings if text(c, "system") in (INPUT_TASK_SYSTEM, OUTPUT_TASK_SYSTEM)]
    return text((known or codings or [{}])[0], "code")


def _value_text(item: Json) -> str:
    """The slice's value as text, whatever its FHIR type (string, code, expression, identifier…)."""
    for key, value in item.items():
        if not key.startswith("value"):
            continue
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, dict):
            return (
                text(value, "expression")
                or text(value, "value")
                or text(value, "text")
                or text(value, "display")
                or ", ".join(text(c, "display") or text(c, "code") for c in nodes(value, "coding"))
            )
    return ""


def _moment(value: str) -> datetime | None:
    try:
        return parse_fhir_moment(value) if value else None
    except ValueError:
        return None


def read_task(body: Json, *, region: str | None = None) -> RemoteTask:
    """`region`: the région whose search returned the Task, used when it carries no TRE_R30 tag."""
    if text(body, "resourceType") not in ("", "Task"):
        raise UnreadableTaskBody(f"Ressource {text(body, 'resourceType')} reçue à la place d'une Task.")
    task_id = text(body, "id")
    if not task_id:
        raise UnreadableTaskBody("Task sans identifiant technique (id).")
    meta = node(body.get("meta"))
    inputs: dict[str, list[Json]] = {}
    for item in [*nodes(body, "input"), *nodes(body, "output")]:
        inputs.setdefault(_slice_code(item), []).append(item)

    def values(code: str) -> tuple[str, ...]:
        return tuple(v for v in (_value_text(i) for i in inputs.get(code, [])) if v)

    def first(code: str) -> str | None:
        found = values(code)
        return found[0] if found else None

    requester = next(
        (_identifier(i.get("valueIdentifier")) for i in inputs.get("identifierRequester", [])), None
    )
    last_updated = text(meta, "lastUpdated")
    try:
        watermark = Watermark(last_updated) if last_updated else None
    except ValueError:
        watermark = None
    authored, modified = _moment(text(body, "authoredOn")), _moment(text(body, "lastModified"))
    focus = node(body.get("focus"))
    focus_identifier = node(focus.get("identifier"))
    return RemoteTask(
        task_id=task_id,
        version=text(meta, "versionId") or None,
        identifier=_identifier(body.get("identifier")),
        business_status=_code(node(body.get("businessStatus")), NOS_SYSTEM),
        focus_type=text(focus, "type") or _reference_type(text(focus, "reference")),
        focus_value=text(focus_identifier, "value") or None,
        focus_system=text(focus_identifier, "system") or None,
        region=region_tag(body) or region,
        description=text(body, "description"),
        thematique_code=_code(_first_concept(body.get("code")), THEMATIQUE_SYSTEM),
        action_code=_code(_first_concept(body.get("reasonCode")), ACTION_SYSTEM),
        path_element_error=first("pathElementError"),
        error_values=values("errorValue"),
        proposed_values=values("proposedValue"),
        new_values=values("newValue"),
        rule=first("ruleErrorId"),
        system_requester=first("systemRequester"),
        identifier_requester=requester,
        authored_on=authored,
        last_modified=modified,
        last_updated=watermark,
        fhir_status=text(body, "status") or None,
    )


def _first_concept(value: object) -> Json:
    """`reasonCode` is one concept in R4 but some writers send a list."""
    return node(value[0] if isinstance(value, list) and value else value)


def _reference_type(reference: str) -> str | None:
    """`Organization/123` → `Organization` when the focus is a plain reference."""
    kind, _, rest = reference.partition("/")
    return kind if kind and rest else None
