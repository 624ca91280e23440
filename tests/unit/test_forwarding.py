"""Which verified requests the serving process acknowledges itself and hands to a worker (bot.forwarding)."""

from typing import Any

from bot.forwarding import Forwarding, parsed, route_of
from bot.ids import DeclareIds, HomeIds, ListIds
from bot.routes import build_router
from devtools import slack_payloads as payloads

ROUTER = build_router()


class Work:
    """Takes every job (or none), like bot.background.BackgroundWork.submit."""

    def __init__(self, *, accepts: bool = True) -> None:
        self.accepts = accepts
        self.jobs: list[Any] = []

    def submit(self, job: Any, *, fallback: Any) -> bool:
        if self.accepts:
            self.jobs.append((job, fallback))
        return self.accepts


def _command(text: str) -> tuple[bytes, dict[str, str]]:
    fields = payloads.command_fields(
        text=text,
        user_id="UALICE",
        channel_id="C1",
        channel_name="general",
        response_url="http://slack/response/1",
        trigger_id="t-1",
    )
    return payloads.form_body(fields), {"content-type": payloads.FORM}


def _click(action_id: str) -> tuple[bytes, dict[str, str]]:
    payload = payloads.block_actions(
        user_id="UALICE", actions=[{"action_id": action_id, "block_id": "b", "value": "{}"}], trigger_id="t-2"
    )
    return payloads.interaction_body(payload), {"content-type": payloads.FORM}


def _forwarded(body: bytes, headers: dict[str, str], work: Work | None = None) -> bool:
    forwarding = Forwarding(ROUTER, here=lambda body, headers: None)
    return forwarding.forwarded(body, headers, work or Work())  # type: ignore[arg-type]


def test_commands_that_open_no_modal_are_handed_to_a_worker_with_their_raw_body():
    work = Work()
    body, headers = _command("anomalies statut=bloquee")
    assert _forwarded(body, headers, work)
    [(job, _)] = work.jobs
    assert job.body == body.decode()
    assert job.content_type == payloads.FORM


def test_declarer_opens_its_modal_in_the_serving_process():
    assert not _forwarded(*_command("declarer 1110000056"))
    assert _forwarded(*_command("aide"))


def test_clicks_are_handed_over_unless_they_open_a_modal():
    assert _forwarded(*_click(HomeIds.LIST_ALL))
    assert not _forwarded(*_click(ListIds.FILTER))
    assert not _forwarded(*_click(DeclareIds.OPEN_MODAL))


def test_events_are_handed_over_but_not_url_verification():
    event = payloads.event_callback(
        {"type": "app_home_opened", "user": "UALICE", "tab": "home"}, event_id="E1"
    )
    assert _forwarded(payloads.event_body(event), {"content-type": payloads.JSON})
    challenge = b'{"type": "url_verification", "challenge": "x", "token": "t"}'
    assert not _forwarded(challenge, {"content-type": payloads.JSON})


def test_modal_submissions_stay_in_the_serving_process_their_ack_carries_the_answer():
    payload = payloads.view_submission(
        user_id="UALICE", view={"id": "V1", "callback_id": DeclareIds.FORM_MODAL, "state": {}}, trigger_id="t"
    )
    assert not _forwarded(payloads.interaction_body(payload), {"content-type": payloads.FORM})


def test_without_workers_or_with_a_full_queue_bolt_serves_the_request_here():
    body, headers = _command("anomalies")
    forwarding = Forwarding(ROUTER, here=lambda body, headers: None)
    assert not forwarding.forwarded(body, headers, None)
    assert not _forwarded(body, headers, Work(accepts=False))


def test_bodies_that_are_not_slack_requests_are_left_to_bolt():
    assert parsed(b"\xff\xfe", payloads.FORM) is None
    assert parsed(b"payload=not-json", payloads.FORM) is None
    assert parsed(b"[1, 2]", payloads.JSON) is None
    assert parsed(b"x", "text/plain") is None
    assert route_of({"ssl_check": "1", "command": "/ror"}, ROUTER) is None
    assert route_of({"type": "block_actions", "actions": []}, ROUTER) is None
    assert route_of({"command": "/autre"}, ROUTER) is None
