"""`/ror` commands through /slack/events, as a user reads the answers."""

from domain.services import remove_member
from tests.e2e.conftest import BOB, LEA
from tests.e2e.helpers import buttons, declare, seen
from tests.slack_limits import assert_message_ok


def test_aide_answers_with_examples_of_every_command(slack):
    answer = slack.command("aide")

    assert answer.status == 200
    reply = slack.fake.next("response_url")
    assert reply.path == answer.response_url.removeprefix(slack.fake.url)
    assert reply.params["response_type"] == "ephemeral"
    text = seen(reply.params)
    for example in (
        "/ror rechercher 1110000056",
        "/ror declarer",
        "/ror anomalies",
        "/ror voir ANO_",
        "/ror annuler ANO_",
        "/ror abonner",
    ):
        assert example in text
    assert_message_ok(reply.params["blocks"])


def test_an_empty_command_and_help_also_show_the_help(slack):
    slack.command("")
    slack.command("help")
    replies = slack.fake.wait_for("response_url", count=2)
    assert all("ROR Anomalies — aide" in seen(r.params) for r in replies)


def test_an_unknown_subcommand_is_named_and_the_help_follows(slack):
    slack.command("supprimer tout")
    text = seen(slack.fake.next("response_url").params)
    assert "Je ne connais pas la commande « supprimer »" in text
    assert "/ror rechercher" in text


def test_rechercher_shows_the_resource_card_with_its_data_and_open_anomalies(slack, running):
    declare(running[1], "Tarifs")
    slack.command("rechercher 1110000056")

    reply = slack.fake.next("response_url")
    text = seen(reply.params)
    assert "CH NARBONNE - HOTEL DIEU" in text
    assert "Données présentes dans le ROR" in text
    assert "Boulevard Dr Lacroix 11100 NARBONNE" in text
    assert "1 anomalie ouverte" in text
    assert set(buttons(reply.params["blocks"])) >= {"Déclarer une anomalie", "Voir les anomalies"}
    assert_message_ok(reply.params["blocks"])


def test_search_in_english_finds_an_offer_of_its_structure(slack):
    slack.command("search 1110000056 91/11359")
    text = seen(slack.fake.next("response_url").params)
    assert "Unité mobile de Gériatrie" in text
    assert "Lun-Ven 9h-17h" in text


def test_a_resource_outside_the_perimeter_is_answered_as_not_found(slack):
    slack.command("rechercher 1690000000")  # Lyon, région 84; Alice sees région 76
    text = seen(slack.fake.next("response_url").params)
    assert "Aucune structure d'identifiant 1690000000 n'est accessible dans votre périmètre." in text
    assert "HOSPICES CIVILS" not in text


def test_an_anomaly_outside_the_perimeter_is_answered_as_not_found(slack, running):
    reference = declare(running[1], "Tarifs")[0].reference
    slack.command(f"voir {reference}", user=LEA)
    text = seen(slack.fake.next("response_url").params)
    assert f"Aucune anomalie {reference} n'est accessible dans votre périmètre." in text
    assert "NARBONNE" not in text


def test_a_malformed_identifier_gets_a_precise_message(slack):
    slack.command("rechercher 12")
    assert "trop court" in seen(slack.fake.next("response_url").params)


def test_an_unhabilitated_user_is_told_how_to_ask_for_access_and_nothing_else_happens(slack):
    answer = slack.command("anomalies", user=BOB)

    assert answer.status == 200  # acknowledged at once; the explanation follows on the response URL
    reply = slack.fake.next("response_url")
    assert reply.params["response_type"] == "ephemeral"
    text = seen(reply.params)
    assert "bob@ailleurs.fr" in text
    assert "aucun groupe d'habilitation" in text
    assert "monserviceclient.ror@esante.gouv.fr" in text
    assert "NARBONNE" not in text
    assert len(slack.fake.calls_to("response_url")) == 1


def test_an_unhabilitated_user_clicking_a_button_is_told_in_the_same_place(slack):
    slack.click("list-next", '{"f":[],"p":2}', user=BOB)
    reply = slack.fake.next("response_url")
    assert "monserviceclient.ror@esante.gouv.fr" in seen(reply.params)


def test_a_removed_member_loses_access_at_once(slack, running):
    slack.command("anomalies")
    assert "Anomalies de votre périmètre" in seen(slack.fake.next("response_url").params)

    remove_member(group_name="Éditeur Occitanie", email="alice@editeur.fr", uow=running[1].uow())
    slack.command("anomalies")
    text = seen(slack.fake.next("response_url").params)
    assert "n'est rattachée à aucun groupe" in text
    assert "Anomalies de votre périmètre" not in text
