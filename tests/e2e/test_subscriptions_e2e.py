"""Subscriptions and recipients through /slack/events (SQLite, fake Slack Web API)."""

from bot.ids import DigestIds, RecipientIds
from domain.services import set_recipient, show_anomaly
from domain.statuses import Status
from tests.e2e.conftest import ALICE
from tests.e2e.helpers import ALICE_MEMBER, buttons, declare

REFERENT = "UREFERENT"


def test_a_channel_lists_and_removes_its_subscriptions(slack, fake_slack):
    slack.command("abonner dep=11 hebdo lundi,jeudi 09:00", channel="C0GENERAL")
    fake_slack.wait_for("response_url", count=1)
    slack.command("abonner", channel="C0GENERAL")
    fake_slack.wait_for("response_url", count=2)
    slack.command("abonnements", channel="C0GENERAL")
    listing = fake_slack.wait_for("response_url", count=3)[-1]
    assert "chaque lundi, jeudi à 09:00" in listing.text()
    assert "tous les jours à 08:30" in listing.text()
    assert "*n° 1* · " in listing.text()
    assert "*n° 2* · " in listing.text()
    unsubscribe = buttons(listing.params["blocks"])["Se désabonner"]
    slack.click(DigestIds.UNSUBSCRIBE, unsubscribe["value"])
    after = fake_slack.wait_for("response_url", count=4)[-1]
    assert "Abonnement n° 1 supprimé" in after.text()
    assert "*n° 2* · " in after.text()  # the other keeps its number
    slack.command("desabonner 2", channel="C0GENERAL")
    assert "Abonnement n° 2 supprimé" in fake_slack.wait_for("response_url", count=5)[-1].text()
    slack.command("abonnements", channel="C0GENERAL")
    assert "Ce canal n'a aucun abonnement" in fake_slack.wait_for("response_url", count=6)[-1].text()
    slack.command("desabonner 1", channel="C0GENERAL")
    assert (
        "L'abonnement n° 1 n'existe pas ou plus dans ce canal"
        in fake_slack.wait_for("response_url", count=7)[-1].text()
    )


def test_a_bad_subscription_is_answered_in_french_and_stores_nothing(slack, fake_slack):
    slack.command("abonner region=84", channel="CSUIVI")
    assert "hors de votre périmètre" in fake_slack.wait_for("response_url", count=1)[-1].text()
    slack.command("abonnements", channel="CSUIVI")
    assert "Ce canal n'a aucun abonnement" in fake_slack.wait_for("response_url", count=2)[-1].text()


def test_the_digest_command_posts_the_channel_s_digest_now(running, fake_slack):
    slack, context = running
    slack.command("abonner", channel="CSUIVI")
    fake_slack.wait_for("response_url")
    created = declare(context, "Tarifs")
    slack.command("digest", channel="CSUIVI")
    post = fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == "CSUIVI")[0]
    assert created[0].reference in post.text()
    assert "Anomalies bloquées" in post.text()


def test_a_recipient_outside_any_group_records_an_outcome_from_their_dm(running, fake_slack):
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
    assert view["callback_id"] == RecipientIds.OUTCOME_MODAL
    values = {
        RecipientIds.COMMENT_BLOCK: {
            RecipientIds.COMMENT_INPUT: {"type": "plain_text_input", "value": "Fait"}
        }
    }
    answer = slack.submit(view, values, user=REFERENT)
    assert answer.status == 200
    updated = fake_slack.last("chat.update")
    assert "Réponse enregistrée" in updated.text()
    corrected = show_anomaly(reference=anomaly.reference, member=ALICE_MEMBER, uow=context.uow())
    assert corrected.status is Status.CORRECTED
    assert corrected.history[-1].comment == "Fait"
    assert corrected.history[-1].actor == "referent@ch-narbonne.fr"


def test_someone_who_is_not_the_recipient_cannot_record_an_outcome(running, fake_slack):
    slack, context = running
    [anomaly] = declare(context, "Tarifs")
    set_recipient(
        resource_id="1110000056",
        email="referent@ch-narbonne.fr",
        uow=context.uow(),
        clock=context.clock,
        system=context.system,
    )
    slack.click(f"{RecipientIds.OUTCOME}09", anomaly.reference, user=ALICE)
    view = fake_slack.last("views.open").params["view"]
    answer = slack.submit(view, {}, user=ALICE)
    assert "Vous n'êtes pas le destinataire" in answer.json["errors"][RecipientIds.COMMENT_BLOCK]
    still = show_anomaly(reference=anomaly.reference, member=ALICE_MEMBER, uow=context.uow())
    assert still.status is Status.SENT_TO_RECIPIENT
