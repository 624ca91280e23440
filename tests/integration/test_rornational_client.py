"""The ROR national client against the in-process stand-in: tokens, headers, declaring, reading,
finding, cancelling — the protocol of reference/ror-fhir/api.md end to end."""

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.task import Task

from devtools.ror_standin import RorStandIn
from domain.catalogue import ResourceKind
from domain.errors import (
    RorNationalAuthenticationRefused,
    RorNationalNotFound,
    RorNationalRefused,
    RorNationalVersionConflict,
)
from domain.statuses import Status
from rornational.client import FhirRorNational, connect
from tests.standin_helpers import a_draft, connection_to

OFFICIAL_PATCH = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "ror-fhir" / "patch-status-example.json").read_text()
)
ROR_HEADERS = {
    "Ror-Profil-Utilisateur-Code": "CU20",
    "Ror-Profil-Utilisateur-System": "1.2.250.1.213.1.6.1.66",
    "Ror-Role-Metier-Code": "AUTOMATE",
    "Ror-Role-Metier-System": "1.2.250.1.213.1.1.4.6",
}


def api_requests(standin: RorStandIn) -> list:
    return [r for r in standin.received if "/token" not in r.path]


def test_a_declaration_becomes_a_task_in_the_ror_with_its_reference(standin, ror):
    submitted = ror.submit(a_draft())

    task = standin.task(submitted.task_id)
    assert submitted.reference == task["identifier"][0]["value"]
    assert submitted.reference.startswith("ANO_3")
    assert submitted.version == "1"
    assert submitted.last_modified is not None
    assert task["businessStatus"]["coding"][0]["code"] == "01"
    assert task["focus"]["identifier"] == {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1110000056"}
    posted = standin.requests_to("POST", "/anomalies/Task")[0]
    assert posted.header("Content-Type").startswith("application/fhir+json")
    Task.model_validate(posted.body)
    assert "identifier" not in posted.body


def test_without_an_identifier_from_the_ror_the_reference_is_the_id_in_location(standin, ror):
    standin.tasks.assign_identifiers = False

    submitted = ror.submit(a_draft())

    assert submitted.identifier is None
    assert submitted.reference == submitted.task_id == "1001"


def test_every_call_carries_the_bearer_token_and_the_four_ror_headers(standin, ror):
    submitted = ror.submit(a_draft())
    ror.get(submitted.task_id)
    ror.find_by_focus(ResourceKind.STRUCTURE, "1110000056")
    ror.set_status(submitted.task_id, Status.CANCELLED)
    ror.fetch_structure("1110000056")

    calls = api_requests(standin)
    assert len(calls) == 5
    for call in calls:
        assert call.header("Authorization").startswith("Bearer ")
        for name, value in ROR_HEADERS.items():
            assert call.header(name) == value, (call.method, call.path, name)


def test_the_token_is_fetched_once_and_reused(standin, ror):
    for _ in range(3):
        ror.submit(a_draft())

    assert standin.token_requests == 1
    assert {r.header("Authorization") for r in api_requests(standin)} == {
        api_requests(standin)[0].header("Authorization")
    }


def test_the_token_is_renewed_shortly_before_it_expires(standin):
    now = [1000.0]
    with connect(connection_to(standin, token_margin=30), clock=lambda: now[0]) as ror:
        ror.submit(a_draft())
        now[0] += 300 - 31  # the stand-in's tokens live 300 s
        ror.submit(a_draft())
        assert standin.token_requests == 1
        now[0] += 2
        ror.submit(a_draft())

    assert standin.token_requests == 2
    assert len(standin.all_tasks()) == 3  # renewed before use: no call was refused
    assert len(standin.requests_to("POST", "/anomalies/Task")) == 3


def test_a_refused_token_is_renewed_once_and_the_call_succeeds(standin, ror):
    ror.submit(a_draft())
    standin.expire_tokens()

    submitted = ror.submit(a_draft())

    assert standin.token_requests == 2
    assert len(standin.requests_to("POST", "/anomalies/Task")) == 3  # the refused one, then its retry
    assert len(standin.all_tasks()) == 2
    assert submitted.task_id == "1002"


def test_a_token_refused_even_after_renewal_is_an_authentication_failure(standin, ror):
    standin.reject_all_tokens = True

    with pytest.raises(RorNationalAuthenticationRefused) as caught:
        ror.get("1001")

    assert standin.token_requests == 2
    assert "HTTP 401" in caught.value.message
    assert "Jeton d'accès inconnu" in caught.value.message


def test_a_wrong_secret_is_refused_by_the_token_endpoint_with_the_variable_to_check(standin):
    with (
        connect(connection_to(standin, client_secret="pas-le-bon")) as ror,
        pytest.raises(RorNationalAuthenticationRefused) as caught,
    ):
        ror.submit(a_draft())

    assert "ROR_CLIENT_SECRET" in caught.value.message
    assert "unauthorized_client" in caught.value.message
    assert standin.all_tasks() == []


def test_an_unknown_client_id_is_refused(standin):
    with (
        connect(connection_to(standin, client_id="inconnu")) as ror,
        pytest.raises(RorNationalAuthenticationRefused) as caught,
    ):
        ror.submit(a_draft())

    assert "« inconnu »" in caught.value.message


def test_a_wrong_ror_header_is_refused_saying_which_header(standin):
    connection = connection_to(standin)
    wrong = connection_to(
        standin,
        headers=type(connection.headers)(
            **{
                **{
                    f: getattr(connection.headers, f)
                    for f in ("profil_utilisateur_code", "profil_utilisateur_system", "role_metier_system")
                },
                "role_metier_code": "HUMAIN",
            }
        ),
    )

    with connect(wrong) as ror, pytest.raises(RorNationalRefused) as caught:
        ror.submit(a_draft())

    assert caught.value.status_code == 403
    assert "En-tête Ror-Role-Metier-Code refusé" in caught.value.message
    assert "ROR_ROLE_METIER_CODE" in caught.value.message
    assert standin.all_tasks() == []


def test_a_task_is_read_back_with_what_was_declared(standin, ror):
    submitted = ror.submit(a_draft())

    task = ror.get(submitted.task_id)

    assert task.reference == submitted.reference
    assert task.status is Status.CREATED
    assert task.region == "76"
    assert task.data_item_label == "Adresse établissement"
    assert task.system_requester == "Bot Slack ROR Anomalies"
    assert task.description == "Le numéro de rue manque"


def test_an_unknown_task_is_not_found_with_the_ror_s_words(ror):
    with pytest.raises(RorNationalNotFound) as caught:
        ror.get("999999")

    assert "Aucune Task d'identifiant 999999" in caught.value.message


def test_tasks_are_found_by_the_resource_they_point_to(standin, ror):
    mine = ror.submit(a_draft())
    ror.submit(a_draft(kind=ResourceKind.OFFRE, label="Horaires", resource_id="91/11359"))
    other = standin.add_task(focus_type="Organization", focus_value="1110000056", region="76")

    found = ror.find_by_focus(ResourceKind.STRUCTURE, "1110000056")

    assert {t.task_id for t in found} == {mine.task_id, other["id"]}
    offers = ror.find_by_focus(ResourceKind.OFFRE, "91/11359")
    assert [t.focus_value for t in offers] == ["91/11359"]


def test_cancelling_is_the_official_fhirpath_patch_of_the_business_status(standin, ror):
    submitted = ror.submit(a_draft())

    cancelled = ror.set_status(submitted.task_id, Status.CANCELLED, version=submitted.version)

    patch = standin.requests_to("PATCH", "/anomalies/Task")[0]
    assert patch.body == OFFICIAL_PATCH
    assert patch.header("If-Match") == 'W/"1"'
    assert patch.header("Content-Type").startswith("application/fhir+json")
    assert cancelled.version == "2"
    assert cancelled.task is not None
    assert cancelled.task.status is Status.CANCELLED
    assert standin.task(submitted.task_id)["status"] == "cancelled"


def test_a_status_change_on_a_stale_version_is_a_version_conflict(standin, ror):
    submitted = ror.submit(a_draft())
    standin.set_business_status(submitted.task_id, "05")

    with pytest.raises(RorNationalVersionConflict) as caught:
        ror.set_status(submitted.task_id, Status.CANCELLED, version=submitted.version)

    assert caught.value.status_code == 412
    assert "version 2" in caught.value.message
    assert standin.task(submitted.task_id)["businessStatus"]["coding"][0]["code"] == "05"


def test_a_refusal_of_the_ror_is_told_with_its_operation_outcome_text(standin, ror):
    standin.fail(
        422, method="POST", diagnostics="La ressource 1110000056 est fermée : aucune anomalie n'est acceptée."
    )

    with pytest.raises(RorNationalRefused) as caught:
        ror.submit(a_draft())

    assert caught.value.status_code == 422
    assert caught.value.reason == "La ressource 1110000056 est fermée : aucune anomalie n'est acceptée."
    assert caught.value.message == (
        "Le ROR national (base des anomalies) a refusé la demande (HTTP 422) : "
        "La ressource 1110000056 est fermée : aucune anomalie n'est acceptée."
    )


def test_the_client_is_usable_from_several_threads(standin, ror: FhirRorNational):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        references = list(pool.map(lambda n: ror.submit(a_draft(description=f"n°{n}")).reference, range(12)))

    assert len(set(references)) == 12
    assert standin.token_requests == 1
