"""What is sent is validated, and what is received parsed, with the `fhir.resources` R4B models (R4B's
Task is R4's). The domain then reads the validated JSON with its own tolerant readers."""

from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.task import Task
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


def valid_task(body: Json) -> Json:
    """`body` when it is a valid FHIR R4 Task, else InvalidResource."""
    try:
        Task.model_validate(body)
    except ValidationError as error:
        raise InvalidResource(_summary(error)) from None
    return body


def valid_parameters(body: Json) -> Json:
    try:
        Parameters.model_validate(body)
    except ValidationError as error:
        raise InvalidResource(_summary(error)) from None
    return body


def parse_task(body: Json, *, region: str | None = None) -> RemoteTask:
    """A received Task: validated as FHIR R4, then read; InvalidResource when it is not one."""
    if body.get("resourceType") != "Task":
        raise InvalidResource(f"Task attendue, {body.get('resourceType') or 'ressource sans type'} reçue")
    valid_task(body)
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
        bundle = Bundle.model_validate(envelope)
    except ValidationError as error:
        raise InvalidResource(_summary(error)) from None
    resources: list[tuple[Json, str | None]] = []
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
    for body in page.matches:
        if body.get("resourceType") != "Task":
            continue  # an OperationOutcome entry (search warnings) or an included resource
        try:
            tasks.append(parse_task(body, region=region))
        except InvalidResource as error:
            task_id = body.get("id")
            unreadable.append(UnreadableTask(task_id if isinstance(task_id, str) else None, str(error)))
    return tasks, unreadable
