"""Validating a page of Tasks: each distinct element once, with the same verdicts and messages as
validating every Task alone with `fhir.resources`."""

import copy
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.task import Task

from rornational.models import Elements, InvalidResource, SearchPage, tasks_of, valid_task

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "ror-fhir"


def official_example(task_id: str = "ror-task-exemple") -> dict:
    body = json.loads((REFERENCE / "task-example.json").read_text(encoding="utf-8"))
    body["id"] = task_id
    return body


def page_of(*bodies: dict) -> SearchPage:
    return SearchPage(resources=[(b, "match") for b in bodies], total=len(bodies), next_link=None)


def alone(body: dict) -> str | None:
    """The verdict of validating `body` by itself: None when valid, else the French summary."""
    try:
        valid_task(body)
    except InvalidResource as error:
        return str(error)
    return None


def test_tasks_sharing_elements_give_the_models_each_task_gives_alone():
    first, second = official_example("a"), official_example("b")
    second["description"] = "Une autre description"
    elements = Elements()

    models = [elements.validate(Task, first), elements.validate(Task, second)]

    assert [m.model_dump() for m in models] == [Task.model_validate(b).model_dump() for b in (first, second)]
    assert models[0].businessStatus is models[1].businessStatus  # validated once


def test_an_invalid_element_after_the_same_element_was_valid_is_refused_with_the_message_it_has_alone():
    valid = official_example("valide")
    invalid = official_example("invalide")
    invalid["businessStatus"] = copy.deepcopy(valid["businessStatus"])
    invalid["businessStatus"]["coding"][0]["version"] = {"pas": "une chaîne"}
    invalid["code"]["coding"][0]["inconnu"] = "champ qui n'existe pas en FHIR"

    tasks, unreadable = tasks_of(page_of(valid, invalid), region=None)

    assert [t.task_id for t in tasks] == ["valide"]
    assert [(u.task_id, u.reason) for u in unreadable] == [("invalide", alone(invalid))]
    assert "businessStatus" in (alone(invalid) or "")


def test_an_element_valid_in_one_field_is_not_taken_as_valid_in_a_field_of_another_type():
    first = official_example("a")
    second = official_example("b")
    second["focus"] = copy.deepcopy(first["code"])  # a CodeableConcept where a Reference is expected

    tasks, unreadable = tasks_of(page_of(first, second), region=None)

    assert [t.task_id for t in tasks] == ["a"]
    assert [(u.task_id, u.reason) for u in unreadable] == [("b", alone(second))]
    assert alone(second) is not None


@pytest.mark.parametrize("field", ["input", "identifier"])
def test_a_null_in_a_list_of_elements_is_still_refused(field: str):
    first = official_example("a")
    second = official_example("b")
    second[field] = [*(second.get(field) or [{"value": "x"}]), None]

    tasks, unreadable = tasks_of(page_of(first, second), region=None)

    assert [t.task_id for t in tasks] == ["a"]
    assert [(u.task_id, u.reason) for u in unreadable] == [("b", alone(second))]
