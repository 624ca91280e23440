"""A signed Slack request sent again within its five minutes (a replay, issue 12 §2) changes nothing more:
each state-changing command and action, sent three times byte for byte to the real app over HTTP, has
one effect. Copies are answered 200 with nothing, and the app calls nobody for them."""

import pytest

from bot.ids import DeclareIds, DetailIds, DigestIds, ListIds, RecipientIds
from domain.catalogue import ResourceKind, data_items_of
from domain.filters import AnomalyFilter
from domain.services import list_anomalies, set_recipient, show_anomaly
from domain.services.digests import list_subscriptions
from domain.statuses import Status
from tests.e2e.conftest import SlackHttp
from tests.e2e.helpers import ALICE_MEMBER, declare, input_blocks

REFERENT = "UREFERENT"
COPIES = 2


def replayed(slack: SlackHttp) -> list:
    """Send the last request COPIES more times; every copy is answered 200 with an empty body. Returns the
    app's calls once everything it set off has finished (slack.settle)."""
    for _ in range(COPIES):
        answer = slack.replay()
        assert (answer.status, answer.body) == (200, "")
    return slack.settle()


def history_of(context, reference: str) -> list[Status]:
    anomaly = show_anomaly(reference=reference, member=ALICE_MEMBER, uow=context.store.reader())
    return [entry.status for entry in anomaly.history]


# --- commands ------------------------------------------------------------------------------------------------


def test_a_replayed_subscribe_command_subscribes_once(running):
    slack, context = running
    slack.command("abonner dep=11", channel="CSUIVI")
    slack.fake.next("response_url")

    calls = replayed(slack)

    assert len(list_subscriptions(channel_id="CSUIVI", uow=context.store.reader())) == 1
    assert [c.method for c in calls].count("response_url") == 1


def test_a_replayed_unsubscribe_command_removes_that_subscription_only(running):
    slack, context = running
    for words in ("dep=11", "hebdo", "bloquees"):
        slack.command(f"abonner {words}", channel="CSUIVI")
        slack.fake.next("response_url")
    first, second, third = list_subscriptions(channel_id="CSUIVI", uow=context.store.reader())
    slack.command(f"desabonner {second.id}", channel="CSUIVI")
    slack.fake.next("response_url")

    replayed(slack)

    left = list_subscriptions(channel_id="CSUIVI", uow=context.store.reader())
    assert [s.id for s in left] == [first.id, third.id]


def test_a_replayed_digest_command_posts_once(running):
    slack, context = running
    slack.command("abonner", channel="CSUIVI")
    slack.fake.next("response_url")
    declare(context, "Tarifs")
    slack.command("digest", channel="CSUIVI")
    slack.fake.next("chat.postMessage", where=lambda c: c.params.get("channel") == "CSUIVI")

    calls = replayed(slack)

    posts = [c for c in calls if c.method == "chat.postMessage" and c.params.get("channel") == "CSUIVI"]
    assert len(posts) == 1


# --- buttons -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action_id", [DetailIds.CONFIRM_CANCEL, DetailIds.CANCEL])
def test_a_replayed_cancel_button_cancels_once_and_answers_once(running, action_id):
    slack, context = running
    [anomaly] = declare(context, "Tarifs")
    slack.click(action_id, anomaly.reference)
    slack.fake.next("response_url")

    calls = replayed(slack)

    assert history_of(context, anomaly.reference).count(Status.CANCELLED) == 1
    assert [c.method for c in calls].count("response_url") == 1


def test_a_replayed_cancel_selection_cancels_once(running):
    slack, context = running
    first, second = declare(context, "Tarifs", "Adresse établissement")
    chosen = [
        {"text": {"type": "plain_text", "text": a.reference}, "value": a.reference} for a in (first, second)
    ]
    state = {ListIds.SELECTION_BLOCK: {ListIds.SELECT: {"type": "checkboxes", "selected_options": chosen}}}
    slack.click(ListIds.CANCEL_SELECTION, '{"w": [], "p": 1}', state=state)
    slack.fake.next("response_url")

    calls = replayed(slack)

    for anomaly in (first, second):
        assert history_of(context, anomaly.reference).count(Status.CANCELLED) == 1
    assert [c.method for c in calls].count("response_url") == 1


def test_a_replayed_export_sends_one_file(running):
    slack, context = running
    declare(context, "Tarifs")
    slack.click(ListIds.EXPORT, '{"w": [], "p": 1}')
    slack.fake.next("files.completeUploadExternal")

    calls = replayed(slack)

    assert [c.method for c in calls].count("files.completeUploadExternal") == 1


def test_a_replayed_unsubscribe_button_removes_that_subscription_only(running):
    slack, context = running
    for words in ("dep=11", "hebdo", "bloquees"):
        slack.command(f"abonner {words}", channel="C0GENERAL")
        slack.fake.next("response_url")
    first, second, third = list_subscriptions(channel_id="C0GENERAL", uow=context.store.reader())
    slack.click(DigestIds.UNSUBSCRIBE, str(second.id))
    slack.fake.next("response_url")

    replayed(slack)

    left = list_subscriptions(channel_id="C0GENERAL", uow=context.store.reader())
    assert [s.id for s in left] == [first.id, third.id]


# --- form submissions --------------------------------------------------------------------------------------


def test_a_replayed_declaration_declares_once(running):
    slack, context = running
    slack.command("declarer 1110000056")
    form = {**slack.fake.next("views.open").params["view"], "id": "V0REPLAY", "hash": "h"}
    index = [item.label for item in data_items_of(ResourceKind.STRUCTURE)].index("Tarifs")
    chosen = [
        o
        for o in input_blocks(form)[DeclareIds.ITEMS_BLOCK]["element"]["options"]
        if o["text"]["text"] == "Tarifs"
    ]
    values = {
        DeclareIds.ITEMS_BLOCK: {
            DeclareIds.ITEMS_SELECT: {"type": "multi_static_select", "selected_options": chosen}
        },
        f"{DeclareIds.DESCRIPTION_BLOCK}{index}": {
            DeclareIds.DESCRIPTION_INPUT: {"type": "plain_text_input", "value": "Les tarifs 2026 manquent."}
        },
    }
    first = slack.submit(form, values)
    assert first.json["response_action"] == "update"
    slack.fake.next("chat.postMessage")  # the confirmation DM

    calls = replayed(slack)

    assert list_anomalies(flt=AnomalyFilter(), member=ALICE_MEMBER, uow=context.store.reader()).total == 1
    assert [c.method for c in calls].count("chat.postMessage") == 1  # one confirmation DM


def test_a_replayed_outcome_is_recorded_once(running, fake_slack):
    slack, context = running
    fake_slack.add_user(REFERENT, "referent@ch-narbonne.fr", "Référent FINESS")
    [anomaly] = declare(context, "Tarifs")
    set_recipient(
        resource_id="1110000056",
        email="referent@ch-narbonne.fr",
        uow=context.uow(),
        clock=context.clock,
        system=context.system,
    )
    slack.click(f"{RecipientIds.OUTCOME}08", anomaly.reference, user=REFERENT)
    view = fake_slack.last("views.open").params["view"]
    values = {
        RecipientIds.COMMENT_BLOCK: {
            RecipientIds.COMMENT_INPUT: {"type": "plain_text_input", "value": "Fait"}
        }
    }
    assert slack.submit(view, values, user=REFERENT).status == 200
    slack.fake.next("chat.update")  # the recipient's message shows the outcome

    calls = replayed(slack)

    assert history_of(context, anomaly.reference).count(Status.CORRECTED) == 1
    assert [c.method for c in calls].count("chat.update") == 1
