"""Hostile values in every text a Slack user can get stored, sent to the real app over HTTP (issue 12 §3,
§9): each is refused with one French line on the field it came from, or stored and shown within Slack's
limits — never a database error, never a message Slack would reject, never markup reaching a channel."""

import dataclasses

import pytest

from bot.ids import DeclareIds, ListIds, RecipientIds
from domain.catalogue import ResourceKind, data_items_of
from domain.filters import AnomalyFilter
from domain.services import list_anomalies, set_recipient, show_anomaly
from domain.statuses import Status
from tests.builders import narbonne
from tests.e2e.conftest import SlackHttp
from tests.e2e.helpers import ALICE_MEMBER, declare, input_blocks, seen
from tests.slack_limits import assert_message_ok, mrkdwn_text

ADRESSE = "Adresse établissement"
ADRESSE_INDEX = [item.label for item in data_items_of(ResourceKind.STRUCTURE)].index(ADRESSE)
DESCRIPTION_BLOCK = f"{DeclareIds.DESCRIPTION_BLOCK}{ADRESSE_INDEX}"
PROPOSED_BLOCK = f"{DeclareIds.PROPOSED_BLOCK}{ADRESSE_INDEX}"
REFERENT = "UREFERENT"


def _text(value: str) -> dict[str, str]:
    return {"type": "plain_text_input", "value": value}


def declaration_form(slack: SlackHttp) -> dict:
    slack.command("declarer 1110000056")
    return {**slack.fake.next("views.open").params["view"], "id": "V0HOSTILE", "hash": "h"}


def submit_declaration(slack: SlackHttp, form: dict, *, description: str, proposed: str | None = None):
    block = input_blocks(form)[DeclareIds.ITEMS_BLOCK]
    chosen = [o for o in block["element"]["options"] if o["text"]["text"] == ADRESSE]
    values = {
        DeclareIds.ITEMS_BLOCK: {
            DeclareIds.ITEMS_SELECT: {"type": "multi_static_select", "selected_options": chosen}
        },
        DESCRIPTION_BLOCK: {DeclareIds.DESCRIPTION_INPUT: _text(description)},
    }
    if proposed is not None:
        values[PROPOSED_BLOCK] = {DeclareIds.PROPOSED_INPUT: _text(proposed)}
    return slack.submit(form, values)


def stored(context) -> list:
    return list_anomalies(flt=AnomalyFilter(), member=ALICE_MEMBER, uow=context.store.reader()).items


def test_500_less_than_signs_as_proposed_value_are_stored_and_ror_voir_still_shows_the_anomaly(running):
    slack, context = running
    answer = submit_declaration(
        slack, declaration_form(slack), description="Le numéro manque.", proposed="<" * 500
    )
    assert answer.json["response_action"] == "update"
    (anomaly,) = stored(context)
    assert anomaly.proposed_value == "<" * 500

    slack.command(f"voir {anomaly.reference}")

    reply = slack.fake.next("response_url").params
    assert_message_ok(reply["blocks"])
    assert "*Valeur proposée*\n&lt;&lt;&lt;" in mrkdwn_text(reply["blocks"])
    assert "<<" not in mrkdwn_text(reply)


@pytest.mark.parametrize(
    ("proposed", "message"),
    [
        ("x" * 10_000, "La valeur proposée compte 10000 caractères : 500 au plus."),
        (
            "12 rue du Port\x00",
            "La valeur proposée contient un caractère de contrôle interdit (U+0000) : "
            "seuls les retours à la ligne sont acceptés.",
        ),
        (
            "12 rue du \u202etroP",
            "La valeur proposée contient un caractère de contrôle interdit (U+202E) : "
            "seuls les retours à la ligne sont acceptés.",
        ),
    ],
)
def test_a_proposed_value_slack_s_own_form_would_not_send_is_refused_on_its_field(running, proposed, message):
    slack, context = running

    answer = submit_declaration(
        slack, declaration_form(slack), description="Le numéro manque.", proposed=proposed
    )

    assert answer.json == {"response_action": "errors", "errors": {PROPOSED_BLOCK: message}}
    assert stored(context) == []


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("d" * 5000, "La description compte 5000 caractères : 800 au plus."),
        (
            "Le numéro\x1b[2J manque",
            "La description contient un caractère de contrôle interdit (U+001B) : "
            "seuls les retours à la ligne sont acceptés.",
        ),
    ],
)
def test_a_hostile_description_is_refused_on_its_field(running, description, message):
    slack, context = running

    answer = submit_declaration(slack, declaration_form(slack), description=description)

    assert answer.json == {"response_action": "errors", "errors": {DESCRIPTION_BLOCK: message}}
    assert stored(context) == []


def test_the_search_card_s_fallback_text_cannot_ping_the_channel(running):
    slack, context = running
    hostile = dataclasses.replace(narbonne(), name="<!channel> Cliquez <https://evil.example|ici> & co")
    with context.store.uow() as uow:
        uow.directory.upsert(hostile)
        uow.commit()

    slack.command("rechercher 1110000056")

    reply = slack.fake.next("response_url").params
    assert "<!channel>" not in mrkdwn_text(reply)
    assert "<https://evil" not in mrkdwn_text(reply)
    assert reply["text"] == (
        "Structure 1110000056 — &lt;!channel&gt; Cliquez &lt;https://evil.example|ici&gt; &amp; co"
    )
    assert_message_ok(reply["blocks"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("anomalies nom=" + "a" * 600, "Le filtre « nom » compte 600 caractères : 500 au plus."),
        ("anomalies nom=hôtel\x00", "Le filtre « nom » contient un caractère de contrôle interdit (U+0000)"),
        (
            "anomalies id=1110000056\u202e",
            "Le filtre « id » contient un caractère de contrôle interdit (U+202E)",
        ),
    ],
)
def test_a_hostile_filter_is_answered_with_its_french_reason(slack, text, message):
    slack.command(text)

    assert message in seen(slack.fake.next("response_url").params)


def test_a_hostile_name_in_the_filter_modal_is_an_error_of_that_field(slack):
    slack.command("anomalies")
    slack.fake.next("response_url")
    slack.click(ListIds.FILTER, '{"w": [], "p": 1}')
    view = {**slack.fake.next("views.open").params["view"], "id": "V0FILTER", "hash": "h"}

    answer = slack.submit(view, {ListIds.F_NAME: {ListIds.F_INPUT: _text("hôtel\u202e")}})

    assert answer.json["response_action"] == "errors"
    assert "U+202E" in answer.json["errors"][ListIds.F_NAME]


def test_a_recipient_s_hostile_comment_is_refused_on_the_comment_field(running, fake_slack):
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

    for comment, message in (
        ("Fait\x00", "Le commentaire contient un caractère de contrôle interdit (U+0000)"),
        ("c" * 4000, "Le commentaire compte 4000 caractères : 800 au plus."),
    ):
        answer = slack.submit(
            view, {RecipientIds.COMMENT_BLOCK: {RecipientIds.COMMENT_INPUT: _text(comment)}}, user=REFERENT
        )
        assert message in answer.json["errors"][RecipientIds.COMMENT_BLOCK]

    still = show_anomaly(reference=anomaly.reference, member=ALICE_MEMBER, uow=context.store.reader())
    assert still.status is Status.SENT_TO_RECIPIENT


def test_the_longest_hostile_description_and_proposed_value_are_shown_within_limits_everywhere(running):
    """Stored as typed (within the rules), then shown by every surface without breaking Slack's limits
    and without reaching the channel as markup."""
    slack, context = running
    description = ("<!channel> & " * 80)[:800]
    answer = submit_declaration(slack, declaration_form(slack), description=description, proposed="&" * 500)
    assert answer.json["response_action"] == "update"
    (anomaly,) = stored(context)
    assert (anomaly.description, anomaly.proposed_value) == (description.strip(), "&" * 500)

    for command in (f"voir {anomaly.reference}", "anomalies", "rechercher 1110000056"):
        slack.command(command)
        reply = slack.fake.next("response_url").params
        assert_message_ok(reply["blocks"])
        assert "<!channel>" not in mrkdwn_text(reply), command


def test_a_subscription_with_the_longest_hostile_name_filter_is_listed_within_limits(slack):
    name = ("<!here> & " * 60)[:500].strip()
    slack.command(f'abonner nom="{name}"', channel="C0GENERAL")
    assert "Ce canal est abonné" in seen(slack.fake.next("response_url").params)

    slack.command("abonnements", channel="C0GENERAL")

    reply = slack.fake.next("response_url").params
    assert_message_ok(reply["blocks"])
    assert "<!here>" not in mrkdwn_text(reply)
    assert "&lt;!here&gt; &amp;" in mrkdwn_text(reply)


def test_a_subscription_filter_with_a_control_character_is_refused_in_french(slack):
    slack.command('abonner nom="hôtel\x1b[2J"', channel="C0GENERAL")

    assert "Le filtre « nom » contient un caractère de contrôle interdit (U+001B)" in seen(
        slack.fake.next("response_url").params
    )
