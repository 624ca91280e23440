"""What is sent is validated, and what is received parsed, with the `fhir.resources` R4B models (R4B's
Task is R4's). The domain then reads the validated JSON with its own tolerant readers."""

import typing
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.task import Task
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

from domain.fhir.task_reading import UnreadableTaskBody, read_task
from domain.rornational import RemoteTask, UnreadableTask

Json = dict[str, Any]


class InvalidResource(ValueError):
    """Not a valid FHIR R4 resource; the message is a short French summary of the first problems."""


def _summary(error: ValidationError) -> str:
    problems = [f"{'.'.join(str(p) for p in e['loc'])} : {e['msg']}" for e in error.errors()[:3]]
    more = f" (et {error.error_count() - 3} autres)" if error.error_count() > 3 else ""
    return " ; ".join(problems) + more


Model = type[FHIRAbstractModel]


def _element_class(annotation: object) -> Model | None:
    """The FHIR element model a field holds (`fhirtypes.CodeableConceptType` → CodeableConcept), looked
    through Optional / List; None for primitives."""
    get_model = getattr(annotation, "get_model_klass", None)
    if get_model is not None:
        found = get_model()
        return found if isinstance(found, type) and issubclass(found, FHIRAbstractModel) else None
    for argument in typing.get_args(annotation):
        found = _element_class(argument)
        if found is not None:
            return found
    return None


_ELEMENT_FIELDS: dict[Model, dict[str, Model]] = {}


def _element_fields(model: Model) -> dict[str, Model]:
    """JSON name → element model of `model`'s complex fields. Resources (`contained`, a Bundle entry's
    `resource`) are left out: their model depends on their resourceType, not on the field."""
    fields = _ELEMENT_FIELDS.get(model)
    if fields is None:
        fields = {}
        for name, info in model.model_fields.items():
            element = _element_class(info.annotation)
            if element is not None and not issubclass(element, Resource):
                fields[info.alias or name] = element
        _ELEMENT_FIELDS[model] = fields
    return fields


class Elements:
    """Validates the elements of resources bottom-up with their `fhir.resources` models, each distinct
    element once: a page's Tasks repeat the same codings, concepts and input types (status, thématique,
    action, slice types, profile tag), and `fhir.resources` validates every element in Python (about 20 µs
    each). A model is handed the instances of its already validated elements, which `fhir.resources`
    accepts as they are (the instance is of the field's model), so every element is still validated by
    the same model, only not twice. Equal elements are recognised by their `repr` (JSON values: equal
    repr, equal value); different key orders are only a miss. One instance per page of resources, so it
    stays small."""

    def __init__(self) -> None:
        self.seen: dict[tuple[Model, str], FHIRAbstractModel] = {}

    def validate(self, model: Model, body: Json) -> FHIRAbstractModel:
        """`model.model_validate(body)`, its elements validated once each; ValidationError as
        `model.model_validate(body)` raises it (same locations: the body is validated again, whole,
        when one of its elements is not valid)."""
        try:
            return model.model_validate(self._with_elements(model, body))
        except ValidationError:
            return model.model_validate(body)

    def _element(self, model: Model, body: Json) -> FHIRAbstractModel:
        key = (model, repr(body))
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = model.model_validate(self._with_elements(model, body))
        return found

    def _with_elements(self, model: Model, body: Json) -> Json:
        fields = _element_fields(model)
        replaced: Json | None = None
        for key, value in body.items():
            element = fields.get(key)
            if element is None:
                continue
            if isinstance(value, dict):
                validated: object = self._element(element, value)
            elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
                validated = [self._element(element, item) for item in value]
            else:
                continue  # left to the model, which says what is wrong with it
            if replaced is None:
                replaced = dict(body)
            replaced[key] = validated
        return body if replaced is None else replaced


def valid_task(body: Json, elements: Elements | None = None) -> Json:
    """`body` when it is a valid FHIR R4 Task, else InvalidResource."""
    try:
        (elements or Elements()).validate(Task, body)
    except ValidationError as error:
        raise InvalidResource(_summary(error)) from None
    return body


def valid_parameters(body: Json) -> Json:
    try:
        Parameters.model_validate(body)
    except ValidationError as error:
        raise InvalidResource(_summary(error)) from None
    return body


def parse_task(body: Json, *, region: str | None = None, elements: Elements | None = None) -> RemoteTask:
    """A received Task: validated as FHIR R4, then read; InvalidResource when it is not one."""
    if body.get("resourceType") != "Task":
        raise InvalidResource(f"Task attendue, {body.get('resourceType') or 'ressource sans type'} reçue")
    valid_task(body, elements)
    try:
        return read_task(body, region=region)
    except UnreadableTaskBody as error:
        raise InvalidResource(str(error)) from None


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A `searchset` Bundle: its resources (as JSON, with their search mode), `total`, the `next` link."""

    resources: list[tuple[Json, str | None]]
    total: int | None
    next_link: str | None

    @property
    def matches(self) -> list[Json]:
        return [r for r, mode in self.resources if mode in (None, "match")]


def parse_searchset(body: Json) -> SearchPage:
    """The Bundle's envelope is validated (type, total, links, entries); resources are handed on as JSON
    so one odd resource costs that resource, not the page (Tasks are validated one by one, directory
    resources by the importer)."""
    if body.get("resourceType") != "Bundle":
        raise InvalidResource(f"Bundle attendu, {body.get('resourceType') or 'ressource sans type'} reçu")
    raw_entries = body.get("entry") or []
    if not isinstance(raw_entries, list):
        raise InvalidResource("Bundle.entry n'est pas une liste")
    envelope = {**body, "entry": [_without_resource(e) for e in raw_entries]}
    if not envelope["entry"]:
        del envelope["entry"]
    try:
        bundle = Elements().validate(Bundle, envelope)
    except ValidationError as error:
        raise InvalidResource(_summary(error)) from None
    resources: list[tuple[Json, str | None]] = []
    assert isinstance(bundle, Bundle)
    for raw, entry in zip(raw_entries, bundle.entry or [], strict=True):
        resource = raw.get("resource") if isinstance(raw, dict) else None
        if isinstance(resource, dict):
            resources.append((resource, entry.search.mode if entry.search is not None else None))
    next_link = next((link.url for link in bundle.link or [] if link.relation == "next"), None)
    return SearchPage(resources=resources, total=bundle.total, next_link=next_link)


def _without_resource(entry: object) -> Json:
    if not isinstance(entry, dict):
        raise InvalidResource("entrée de Bundle qui n'est pas un objet")
    return {k: v for k, v in entry.items() if k != "resource"}


def tasks_of(page: SearchPage, *, region: str | None) -> tuple[list[RemoteTask], list[UnreadableTask]]:
    tasks: list[RemoteTask] = []
    unreadable: list[UnreadableTask] = []
    elements = Elements()
    for body in page.matches:
        if body.get("resourceType") != "Task":
            continue  # an OperationOutcome entry (search warnings) or an included resource
        try:
            tasks.append(parse_task(body, region=region, elements=elements))
        except InvalidResource as error:
            task_id = body.get("id")
            unreadable.append(UnreadableTask(task_id if isinstance(task_id, str) else None, str(error)))
    return tasks, unreadable
