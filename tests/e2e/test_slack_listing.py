"""`/ror anomalies`, its buttons and the *Filtrer* modal; `voir` and `annuler`, through /slack/events."""

import csv
import io

from tests.e2e.conftest import LEA
from tests.e2e.helpers import buttons, declare, input_blocks, seen
from tests.slack_limits import assert_message_ok, assert_modal_ok


def _list_reply(slack):
    reply = slack.fake.next("response_url")
    assert_message_ok(reply.params["blocks"])
    return reply


def test_anomalies_lists_the_perimeter_newest_first_with_every_column(slack, running):
    first = declare(running[1], "Tarifs")[0]
    second = declare(running[1], "Horaires", offer="91/11359")[0]

    slack.command("anomalies")

    reply = _list_reply(slack)
    text = seen(reply.params)
    assert "2 anomalies" in text
    assert text.index(second.reference) < text.index(first.reference)
    for column in (
        "Reg. 76",
        "Dep. 11",
        "Nom de l'établissement",
        "Nom de l'offre",
        "Donnée",
        "Règle",
        "Dernière modification",
    ):
        assert column in text
    assert "Bloquée (destinataire manquant)" in text
    assert set(buttons(reply.params["blocks"])) >= {
        "Filtrer",
        "Toutes mes anomalies",
        "Exporter (CSV)",
        "Voir",
        "Annuler les anomalies cochées",
    }


def test_text_filters_narrow_the_list_and_a_bad_filter_is_explained(slack, running):
    declare(running[1], "Tarifs")
    declare(running[1], "Horaires", offer="91/11359")

    slack.command('list ressource=offre statut=bloquee nom="hotel dieu"')
    text = seen(_list_reply(slack).params)
    assert "1 anomalie" in text
    assert "Horaires" in text
    assert "Tarifs" not in text

    slack.command("anomalies statut=violette")
    assert "« violette » n'est pas un statut d'anomalie" in seen(slack.fake.next("response_url").params)


def test_paging_moves_through_the_list_in_the_same_message(slack, running):
    labels = [
        "Catégorie établissement",
        "Contact établissement",
        "Offre manquante",
        "Tarifs",
        "Nom de la structure",
        "Adresse établissement",
        "Date d'ouverture",
        "Date de fermeture",
        "Type de fermeture",
    ]
    declare(running[1], *labels)
    declare(running[1], "Horaires", "Tarifs", "Contact offre", offer="91/11359")

    slack.command("anomalies")
    page1 = _list_reply(slack)
    assert "12 anomalies · 1 à 10 · page 1/2" in seen(page1.params)
    suivant = buttons(page1.params["blocks"])["Suivant"]

    slack.fake.clear()
    url = slack.fake.response_url()
    slack.click(suivant["action_id"], suivant["value"], response_url=url)
    page2 = slack.fake.next("response_url")
    assert page2.path.endswith(url.rsplit("/", 1)[1])
    assert page2.params["replace_original"] is True
    assert "12 anomalies · 11 à 12 · page 2/2" in seen(page2.params)
    assert "Précédent" in buttons(page2.params["blocks"])
    assert "Suivant" not in buttons(page2.params["blocks"])


def test_the_filter_modal_carries_the_filters_and_redraws_the_list(slack, running):
    declare(running[1], "Tarifs")
    declare(running[1], "Horaires", offer="91/11359")
    slack.command("anomalies region=76")
    filtrer = buttons(_list_reply(slack).params["blocks"])["Filtrer"]

    list_url = slack.fake.response_url()
    slack.click(filtrer["action_id"], filtrer["value"], response_url=list_url)
    view = slack.fake.next("views.open").params["view"]
    assert_modal_ok(view)
    blocks = input_blocks(view)
    assert blocks["filter-region"]["element"]["initial_value"] == "76"
    assert blocks["filter-status"]["element"]["type"] == "multi_static_select"
    assert blocks["filter-from"]["element"]["type"] == "datepicker"
    assert blocks["filter-to"]["label"]["text"] == "Dernière modification au"

    bad = {"filter-region": {"filter-input": {"type": "plain_text_input", "value": "99"}}}
    answer = slack.submit({**view, "id": "VF"}, bad)
    assert answer.json["response_action"] == "errors"
    assert "filter-region" in answer.json["errors"]

    slack.fake.clear()
    kind = next(o for o in blocks["filter-kind"]["element"]["options"] if o["value"] == "offre")
    values = {
        "filter-region": {"filter-input": {"type": "plain_text_input", "value": "76"}},
        "filter-kind": {"filter-input": {"type": "multi_static_select", "selected_options": [kind]}},
        "filter-from": {"filter-input": {"type": "datepicker", "selected_date": "2020-01-01"}},
    }
    answer = slack.submit({**view, "id": "VF"}, values)
    assert answer.status == 200
    assert answer.body == ""
    redrawn = slack.fake.next("response_url")
    assert redrawn.path.endswith(list_url.rsplit("/", 1)[1])
    assert redrawn.params["replace_original"] is True
    text = seen(redrawn.params)
    assert "1 anomalie" in text
    assert "Horaires" in text
    assert "Tarifs" not in text
    assert "modifiées depuis le 01/01/2020" in text
    reset = buttons(redrawn.params["blocks"])["Remise à zéro"]
    slack.click(reset["action_id"], reset["value"])
    assert "2 anomalies" in seen(slack.fake.next("response_url").params)


def test_voir_shows_every_field_and_the_history(slack, running):
    anomaly = declare(running[1], "Tarifs")[0]

    slack.command(f"voir {anomaly.reference}")

    reply = _list_reply(slack)
    text = seen(reply.params)
    for label in (
        "Référence",
        "Statut",
        "Données présentes dans le ROR",
        "Description de l'anomalie",
        "Système déclarant",
        "ID déclarant",
        "Création (UTC)",
        "Historique",
    ):
        assert label in text
    assert "Erreur sur Tarifs" in text
    assert "Créée → Bloquée (destinataire manquant)" in text
    cancel = buttons(reply.params["blocks"])["Annuler l'anomalie"]
    assert cancel["confirm"]["title"]["text"] == "Annuler l'anomalie ?"


def test_the_voir_button_of_a_row_opens_the_detail_in_a_modal_where_it_can_be_cancelled(slack, running):
    anomaly = declare(running[1], "Tarifs")[0]
    slack.command("anomalies")
    voir = buttons(_list_reply(slack).params["blocks"])["Voir"]

    slack.click(voir["action_id"], voir["value"])
    view = slack.fake.next("views.open").params["view"]
    assert_modal_ok(view)
    assert anomaly.reference in seen(view)

    cancel = buttons(view["blocks"])["Annuler l'anomalie"]
    slack.click(cancel["action_id"], cancel["value"], view={**view, "id": "VDETAIL"})
    updated = slack.fake.next("views.update").params
    assert updated["view_id"] == "VDETAIL"
    assert f"L'anomalie {anomaly.reference} est annulée" in seen(updated["view"])
    assert "Annuler l'anomalie" not in buttons(updated["view"]["blocks"])


def test_annuler_asks_for_confirmation_then_cancels(slack, running):
    anomaly = declare(running[1], "Tarifs")[0]

    slack.command(f"cancel {anomaly.reference}")
    prompt = slack.fake.next("response_url")
    assert f"Voulez-vous annuler l'anomalie *{anomaly.reference}*" in seen(prompt.params)
    assert "est annulée" not in seen(prompt.params)
    confirm = buttons(prompt.params["blocks"])["Confirmer l'annulation"]
    assert "confirm" not in confirm  # the prompt is the one confirmation: no second dialog

    slack.fake.clear()
    slack.click(confirm["action_id"], confirm["value"])
    done = slack.fake.next("response_url")
    assert done.params["replace_original"] is True
    assert f"L'anomalie {anomaly.reference} est annulée" in seen(done.params)

    slack.command(f"annuler {anomaly.reference}")
    refused = seen(slack.fake.next("response_url").params)
    assert "ne peut pas passer au statut « Annulée »" in refused


def test_ne_pas_annuler_leaves_the_anomaly_as_it_was(slack, running):
    anomaly = declare(running[1], "Tarifs")[0]
    slack.command(f"annuler {anomaly.reference}")
    keep = buttons(slack.fake.next("response_url").params["blocks"])["Ne pas annuler"]
    slack.click(keep["action_id"], keep["value"])
    assert "n'a pas été annulée" in seen(slack.fake.next("response_url").params)
    slack.command(f"voir {anomaly.reference}")
    assert "Bloquée (destinataire manquant)" in seen(slack.fake.next("response_url").params)


def test_cancelling_a_selection_cancels_the_checked_rows_and_redraws_the_list(slack, running):
    kept, cancelled = declare(running[1], "Tarifs", "Adresse établissement")
    slack.command("anomalies")
    blocks = _list_reply(slack).params["blocks"]
    cancel = buttons(blocks)["Annuler les anomalies cochées"]
    checkbox = next(
        e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "checkboxes"
    )
    chosen = [o for o in checkbox["options"] if o["value"] == cancelled.reference]

    slack.fake.clear()
    state = {"list-selection": {"list-select": {"type": "checkboxes", "selected_options": chosen}}}
    slack.click(cancel["action_id"], cancel["value"], state=state)
    redrawn = slack.fake.next("response_url")
    text = seen(redrawn.params)
    assert f"{cancelled.reference} : annulée." in text
    assert "Annulée" in text
    assert redrawn.params["replace_original"] is True

    slack.command(f"voir {kept.reference}")
    assert "Bloquée (destinataire manquant)" in seen(slack.fake.next("response_url").params)


def test_export_uploads_a_csv_of_every_match_to_the_user(slack, running):
    created = declare(running[1], "Tarifs", "Adresse établissement")
    slack.command("anomalies")
    export = buttons(_list_reply(slack).params["blocks"])["Exporter (CSV)"]

    slack.click(export["action_id"], export["value"])

    complete = slack.fake.next("files.completeUploadExternal")
    opened = slack.fake.next("conversations.open")
    assert opened.params["users"] == "UALICE"
    assert complete.params["channel_id"] == "DALICE"
    upload_call = slack.fake.next("files.getUploadURLExternal")
    assert upload_call.params["filename"].startswith("anomalies-ror-")
    file_id = complete.params["files"][0]["id"]
    content = slack.fake.uploads[file_id].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][:3] == ["Référence", "Code statut", "Statut"]
    assert {row[0] for row in rows[1:]} == {a.reference for a in created}
    assert "Export CSV : 2 anomalies" in seen(slack.fake.next("response_url").params)


def test_a_member_of_another_region_sees_none_of_these_anomalies(slack, running):
    declare(running[1], "Tarifs")
    slack.command("anomalies", user=LEA)
    assert "Aucune anomalie ne correspond." in seen(slack.fake.next("response_url").params)


def test_the_export_states_its_row_cap_when_it_cuts_the_file(slack, running, monkeypatch):
    from bot.listeners import listing

    monkeypatch.setattr(listing, "EXPORT_MAX_ROWS", 2)
    created = declare(running[1], "Tarifs", "Adresse établissement", "Contact établissement")
    slack.command("anomalies")
    export = buttons(_list_reply(slack).params["blocks"])["Exporter (CSV)"]

    slack.click(export["action_id"], export["value"])

    complete = slack.fake.next("files.completeUploadExternal")
    comment = complete.params["initial_comment"]
    assert "Export CSV : 2 anomalies" in comment
    assert "Limite atteinte : le fichier s'arrête aux 2 anomalies les plus récemment modifiées" in comment
    assert "Affinez les filtres" in comment
    content = slack.fake.uploads[complete.params["files"][0]["id"]].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert [row[0] for row in rows[1:]] == [a.reference for a in reversed(created)][:2]
    assert "Limite atteinte" in seen(slack.fake.next("response_url").params)


def test_an_export_under_the_cap_says_nothing_of_a_limit(slack, running):
    declare(running[1], "Tarifs")
    slack.command("anomalies")
    export = buttons(_list_reply(slack).params["blocks"])["Exporter (CSV)"]

    slack.click(export["action_id"], export["value"])

    comment = slack.fake.next("files.completeUploadExternal").params["initial_comment"]
    assert comment.startswith("Export CSV : 1 anomalie (")
    assert "Limite" not in comment
