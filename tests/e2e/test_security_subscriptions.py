"""A channel subscription is its perimeter's (issue 12 §4): in a channel shared by two vendors, a member of
another perimeter sees that a subscription exists — not its filters, not its creator — and cannot remove
it or post its digest, by command or by a forged button."""

from bot.ids import DigestIds
from tests.e2e.conftest import LEA
from tests.e2e.helpers import buttons, declare, seen

CHANNEL = "C0GENERAL"  # where SlackHttp.click acts


def _alice_subscribes(slack) -> None:
    slack.command('abonner dep=11 nom="hotel dieu"', channel=CHANNEL)
    assert "Ce canal est abonné" in seen(slack.fake.next("response_url").params)


def test_another_perimeter_sees_that_a_subscription_exists_and_nothing_more(slack):
    _alice_subscribes(slack)

    slack.command("abonnements", channel=CHANNEL, user=LEA)

    reply = slack.fake.next("response_url").params
    text = seen(reply)
    assert "*n° 1* · abonnement d'un autre périmètre que le vôtre" in text
    assert "hotel dieu" not in text
    assert "alice@editeur.fr" not in text
    assert "Se désabonner" not in buttons(reply["blocks"])


def test_its_own_perimeter_sees_the_filters_and_the_creator(slack):
    _alice_subscribes(slack)

    slack.command("abonnements", channel=CHANNEL)

    reply = slack.fake.next("response_url").params
    assert "hotel dieu" in seen(reply)
    assert "Créé par alice@editeur.fr" in seen(reply)
    assert buttons(reply["blocks"])["Se désabonner"]["value"] == "1"


def test_another_perimeter_cannot_remove_it_by_command_or_by_a_forged_button(slack):
    _alice_subscribes(slack)

    slack.command("desabonner 1", channel=CHANNEL, user=LEA)
    refused = seen(slack.fake.next("response_url").params)
    slack.click(DigestIds.UNSUBSCRIBE, "1", user=LEA)
    forged = seen(slack.fake.next("response_url").params)

    for text in (refused, forged):
        assert "L'abonnement n° 1 relève d'un autre périmètre que le vôtre" in text
    slack.command("abonnements", channel=CHANNEL)
    assert "hotel dieu" in seen(slack.fake.next("response_url").params)


def test_another_perimeter_cannot_post_its_digest(running):
    slack, context = running
    _alice_subscribes(slack)
    declare(context, "Tarifs")

    slack.command("digest", channel=CHANNEL, user=LEA)
    told = seen(slack.fake.next("response_url").params)
    calls = slack.settle()

    assert "relèvent d'un autre périmètre que le vôtre" in told
    assert not [c for c in calls if c.method == "chat.postMessage" and c.params.get("channel") == CHANNEL]
    slack.command("digest", channel=CHANNEL)
    posted = slack.fake.next("chat.postMessage", where=lambda c: c.params.get("channel") == CHANNEL)
    assert "CH NARBONNE" in seen(posted.params)
