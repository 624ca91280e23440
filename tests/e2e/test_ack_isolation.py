"""With worker processes (`ror-bot run`'s ROR_BACKGROUND_WORKERS), the serving process only verifies,
works out what the ack carries and acknowledges: Slack gets its ack at once even when Slack itself is
slow or failing for the work that follows, and every answer still arrives, once."""

import re
import time

import pytest

from bot.worker import background_work
from domain.catalogue import ResourceKind, data_items_of
from domain.filters import AnomalyFilter
from domain.services import list_anomalies
from tests.e2e.conftest import ALICE
from tests.e2e.connected_helpers import submit_declaration
from tests.e2e.helpers import ALICE_MEMBER, seen

# An ack that waited for the slowed-down work would take at least SLOW seconds.
SLOW = 1.5
AT_ONCE = 1.0


@pytest.fixture
def workers(running):
    slack, context = running
    context.background = background_work(context.settings, workers=1)
    assert context.background.wait_ready(timeout=120)
    yield slack, context
    context.background.shutdown(deadline=time.monotonic() + 60)
    context.background = None


def _timed(send):
    started = time.monotonic()
    answer = send()
    return answer, time.monotonic() - started


def test_commands_are_acknowledged_at_once_while_slack_is_slow_to_take_their_answers(workers, fake_slack):
    slack, _ = workers
    fake_slack.slow_down("response_url", SLOW)
    fake_slack.slow_down("users.info", SLOW)
    answers = []
    for text in ("aide", "anomalies statut=bloquee", "abonnements"):
        answer, elapsed = _timed(lambda text=text: slack.command(text))
        assert answer.status == 200
        assert elapsed < AT_ONCE, f"/ror {text} acquitté en {elapsed:.2f} s"
        answers.append(answer)

    # Every answer arrives, each at its own response URL, exactly once.
    posted = fake_slack.wait_for("response_url", count=len(answers), timeout=60)
    time.sleep(SLOW)  # a duplicate would come within the same delay
    posted = fake_slack.calls_to("response_url")
    assert sorted(call.path for call in posted) == sorted(
        "/response/" + str(a.response_url).rsplit("/", 1)[1] for a in answers
    )
    by_path = {call.path: seen(call.params) for call in posted}
    told = [by_path["/response/" + str(a.response_url).rsplit("/", 1)[1]] for a in answers]
    assert "Aide de /ror" in told[0]
    assert "Anomalies de votre périmètre" in told[1]
    assert "Ce canal n'a aucun abonnement" in told[2]


def _declaration_form(slack):
    slack.command("declarer 1110000056 91/11359")  # opens step 2 in the serving process (trigger_id)
    form = {**slack.fake.next("views.open").params["view"], "id": "V0ISOL", "hash": "h"}
    horaires = [item.label for item in data_items_of(ResourceKind.OFFRE)].index("Horaires")
    chosen = next(o for o in form["blocks"] if o.get("block_id") == "declare-items")["element"]["options"]
    values = {
        "declare-items": {
            "declare-items-select": {
                "type": "multi_static_select",
                "selected_options": [o for o in chosen if o["text"]["text"] == "Horaires"],
            }
        },
        f"declare-description-{horaires}": {
            "declare-description-input": {"type": "plain_text_input", "value": "Fermé le lundi."}
        },
    }
    return form, values


def test_a_declaration_is_confirmed_in_the_ack_while_slack_is_slow_or_failing_for_what_follows(
    workers, fake_slack
):
    slack, context = workers
    form, values = _declaration_form(slack)
    fake_slack.fail("chat.postMessage", "internal_error", times=10)  # the DM is refused
    fake_slack.slow_down("views.publish", SLOW)  # the App Home is slow to take its refresh
    fake_slack.mark()

    answer, elapsed = _timed(lambda: slack.submit(form, values))

    assert answer.json["response_action"] == "update"
    assert "Les anomalies suivantes ont été créées" in seen(answer.json["view"])
    assert elapsed < AT_ONCE, f"soumission acquittée en {elapsed:.2f} s"
    # The DM was tried once (and refused); the App Home is refreshed all the same; the anomaly stays.
    assert "Horaires" in fake_slack.next("chat.postMessage", timeout=60).params["text"]
    assert fake_slack.next("views.publish", timeout=60).params["user_id"] == ALICE
    page = list_anomalies(flt=AnomalyFilter(), member=ALICE_MEMBER, uow=context.uow())
    assert page.total == 1


def test_the_app_home_is_published_by_a_worker_after_the_event_is_acknowledged(workers, fake_slack):
    slack, _ = workers
    fake_slack.slow_down("views.publish", SLOW)
    answer, elapsed = _timed(
        lambda: slack.event({"type": "app_home_opened", "user": ALICE, "channel": "D0001", "tab": "home"})
    )
    assert answer.status == 200
    assert elapsed < AT_ONCE
    home = fake_slack.next("views.publish", timeout=60)
    assert home.params["user_id"] == ALICE
    assert "Alice" in seen(home.params["view"])


def test_a_command_whose_worker_dies_before_acting_is_answered_by_the_serving_process(running, fake_slack):
    slack, context = running
    broken = context.settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    context.background = background_work(broken, workers=1)  # its worker cannot start: the pool breaks
    try:
        answer, elapsed = _timed(lambda: slack.command("aide"))
        assert answer.status == 200
        assert elapsed < AT_ONCE
        told = fake_slack.next("response_url", timeout=60)
        assert "Aide de /ror" in seen(told.params)
    finally:
        context.background.shutdown(deadline=time.monotonic() + 30)
        context.background = None


def test_a_connected_declaration_is_sent_to_the_ror_national_by_a_worker_after_the_ack(
    connected, standin, fake_slack
):
    slack, context = connected
    context.background = background_work(context.settings, workers=1)
    assert context.background.wait_ready(timeout=120)
    try:
        answer = submit_declaration(slack, ("Adresse établissement", "Le numéro de rue manque."))

        assert answer.json["response_action"] == "update"
        assert "ROR national" in seen(answer.json["view"])  # sending, after the ack
        dm = fake_slack.next("chat.postMessage", timeout=60, where=lambda c: c.params.get("channel") == ALICE)
        assert re.search(r"ANO_3\d{11}", dm.params["text"])  # the ROR national's reference
        updated = fake_slack.next("views.update", timeout=60)
        assert updated.params["view_id"] == "VDECLARE"
        assert len(standin.all_tasks()) == 1
    finally:
        context.background.shutdown(deadline=time.monotonic() + 60)
        context.background = None
