"""Every way the ROR national fails becomes a domain outcome, never a transport error: down, overloaded,
slow, unreachable, dropped — « indisponible, nouvel essai plus tard »; and a POST whose answer was lost
leaves a Task that can be found again before anything is re-sent."""

import socket

import pytest

from domain.catalogue import ResourceKind
from domain.errors import RorNationalUnavailable
from rornational.client import connect
from tests.standin_helpers import a_draft, connection_to


def unavailable(call) -> RorNationalUnavailable:  # type: ignore[no-untyped-def]
    with pytest.raises(RorNationalUnavailable) as caught:
        call()
    assert "\n" not in caught.value.message
    return caught.value


def test_a_server_error_is_unavailable_and_creates_nothing(standin, ror):
    standin.fail(503, method="POST")

    error = unavailable(lambda: ror.submit(a_draft()))

    assert error.message.startswith("Le ROR national (base des anomalies) est indisponible (HTTP 503)")
    assert "nouvel essai plus tard" in error.message
    assert standin.all_tasks() == []
    assert ror.submit(a_draft()).task_id  # the next attempt lands


def test_too_many_requests_is_unavailable_with_the_ror_s_retry_after(standin, ror):
    standin.throttle(retry_after=7, method="POST")

    error = unavailable(lambda: ror.submit(a_draft()))

    assert error.retry_after == 7
    assert "HTTP 429" in error.message
    assert "nouvel essai dans 7 s" in error.message


def test_a_retry_after_given_as_a_date_is_read_in_seconds(standin, ror):
    standin.throttle(retry_after="Wed, 21 Oct 2099 07:28:00 GMT")

    error = unavailable(lambda: ror.get("1001"))

    assert error.retry_after is not None
    assert error.retry_after > 10**9


def test_a_slow_answer_is_unavailable_after_the_read_timeout(standin):
    standin.slow(1.0, method="GET")

    with connect(connection_to(standin, read_timeout=0.2)) as ror:
        error = unavailable(lambda: ror.get("1001"))

    assert "ne répond pas (réponse au-delà de 0.2 s" in error.message


def test_a_refused_connection_is_unavailable(standin):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{closed_port}"

    with connect(connection_to(standin, anomalies_url=base + "/anomalies")) as ror:
        error = unavailable(lambda: ror.get("1001"))

    assert error.message.startswith(
        f"Le ROR national (base des anomalies) est injoignable à 127.0.0.1:{closed_port}"
    )


def test_an_unreachable_token_endpoint_is_unavailable_not_an_authentication_refusal(standin):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with connect(connection_to(standin, auth_url=f"http://127.0.0.1:{closed_port}/token")) as ror:
        error = unavailable(lambda: ror.get("1001"))

    assert "serveur d'authentification du ROR national est injoignable" in error.message


def test_an_overloaded_token_endpoint_is_unavailable(standin, ror):
    standin.fail(503, path="/token")

    error = unavailable(lambda: ror.get("1001"))

    assert "serveur d'authentification du ROR national est indisponible (HTTP 503" in error.message


def test_a_dropped_connection_is_unavailable(standin, ror):
    standin.drop(method="GET")

    error = unavailable(lambda: ror.get("1001"))

    assert "coupée avant la réponse" in error.message


def test_an_answer_that_is_not_fhir_is_unavailable(standin, ror):
    standin.fail(200, method="GET", path="/anomalies/Task")  # an OperationOutcome where a Bundle is due

    error = unavailable(lambda: ror.find_by_focus(ResourceKind.STRUCTURE, "1110000056"))

    assert "réponse illisible" in error.message


def test_a_post_whose_answer_was_lost_left_a_task_that_is_found_by_its_focus(standin, ror):
    draft = a_draft(description="Déclaration dont la réponse se perd")
    standin.drop_after_create()

    unavailable(lambda: ror.submit(draft))

    assert len(standin.all_tasks()) == 1  # created, though we were not told
    found = ror.find_by_focus(draft.kind, draft.resource_id)
    adopted = [
        t
        for t in found
        if t.authored_on == draft.authored_on
        and t.system_requester == draft.declaring_system
        and t.description == draft.description
    ]
    assert len(adopted) == 1
    assert adopted[0].reference == standin.all_tasks()[0]["identifier"][0]["value"]
    assert len(standin.all_tasks()) == 1
