"""Every Block Kit builder, fed the most extreme data, stays within Slack's limits and escapes user text."""

import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.mrkdwn import escape
from bot.views.declare import (
    DeclareForm,
    DeclareTarget,
    confirmation_blocks,
    done_modal,
    form_modal,
    lookup_modal,
)
from bot.views.detail import cancel_prompt_blocks, detail_blocks, detail_modal
from bot.views.help import help_blocks
from bot.views.home import display_name, home_view, not_habilitated_home
from bot.views.listing import PAGE_SIZE, ListState, filter_modal, list_blocks
from bot.views.search import resource_card_blocks
from domain.catalogue import ALL_DATA_ITEM_LABELS, ResourceKind, data_items_of
from domain.errors import NotHabilitated
from domain.filters import AnomalyFilter, parse_filter_text
from domain.ports import Page
from domain.services import confirmation_text
from domain.statuses import Status
from tests.slack_limits import all_text, assert_home_ok, assert_message_ok, assert_modal_ok, mrkdwn_text
from tests.unit.extreme import DESCRIPTION_800, HOSTILE, NAME_100, hostile_anomaly, hostile_card

PARIS = ZoneInfo("Europe/Paris")
OFFER_LABELS = [item.label for item in data_items_of(ResourceKind.OFFRE)]
WIDEST_FILTER = parse_filter_text(
    "region=76,84,93,11,24,27,28,32,44,52,53 dep=11,34,66,30,48,12,81,82,31,32,09,65,46 statut=01,02,03,04,05,06,07,08,09,10,11 "
    'ressource=structure,offre,ps nom="'
    + "hôpital & <!channel> "
    * 4
    + '" ref=ANO_1000 id=1110000056,91/11359 '
    'donnee="Adresse établissement,Horaires,Tarifs" du=01/01/2026 au=15/01/2026'
)


def assert_no_raw_user_markup(payload: object) -> None:
    """No mrkdwn text holds user markup: `<` only ever reaches Slack as `&lt;`."""
    text = mrkdwn_text(payload)
    assert "<!channel>" not in text
    assert "<!here>" not in text
    assert "<@U0PIRATE>" not in text
    assert "<https://evil" not in text
    assert "<" not in text, "user text must reach Slack escaped"


def a_full_page() -> Page:
    items = [hostile_anomaly(100_000_000_900 + i, status=list(Status)[i % 11]) for i in range(PAGE_SIZE)]
    return Page(items=items, total=1_000_000, page=2, size=PAGE_SIZE)


def test_escape_neutralises_the_three_slack_control_characters():
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert escape(None) == ""


def test_the_help_fits_a_message_and_names_every_command_including_subscriptions():
    blocks = help_blocks(intro="Je ne connais pas la commande « x ».")
    assert_message_ok(blocks)
    text = all_text(blocks)
    for word in (
        "rechercher",
        "declarer",
        "anomalies",
        "voir",
        "annuler",
        "abonner",
        "abonnements",
        "desabonner",
    ):
        assert f"/ror {word}" in text
    assert "<" not in text


def test_the_help_names_the_digest_command_where_to_invite_the_bot_and_the_ans_support_address():
    text = all_text(help_blocks())

    assert "`/ror digest`" in text
    assert "/invite @ROR Anomalies" in text
    assert "monserviceclient.ror@esante.gouv.fr" in text


def test_the_resource_card_of_an_offer_with_every_item_filled_fits_a_message():
    blocks = resource_card_blocks(hostile_card())
    assert_message_ok(blocks)
    assert_no_raw_user_markup(blocks)
    text = all_text(blocks)
    assert "Données présentes dans le ROR" in text
    assert "1000000 anomalies ouvertes" in text
    buttons = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Déclarer une anomalie", "Voir les anomalies"]


def test_the_declaration_lookup_step_has_the_spec_labels_and_fits_a_modal():
    view = lookup_modal(structure_id="1" * 100, offer_id="9" * 100, error=HOSTILE)
    assert_modal_ok(view)
    assert view["title"]["text"] == "Déclarer une anomalie"
    assert view["submit"]["text"] == "Rechercher"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["ID National Structure", "ID Offre"]
    assert_no_raw_user_markup(view)


def test_the_declaration_form_with_all_13_offer_items_chosen_and_800_character_descriptions_fits_a_modal():
    form = DeclareForm(
        target=DeclareTarget("1110000056", "91/11359"),
        resource_name=NAME_100,
        resource_label="Offre 91/11359 · " + NAME_100,
        item_labels=OFFER_LABELS,
        present_values=dict.fromkeys(OFFER_LABELS, DESCRIPTION_800 * 4),
        selected=OFFER_LABELS,
        descriptions=dict.fromkeys(OFFER_LABELS, DESCRIPTION_800),
        proposed=dict.fromkeys(OFFER_LABELS, DESCRIPTION_800),
    )
    view = form_modal(form)
    assert_modal_ok(view)
    assert_no_raw_user_markup(view)
    assert view["submit"]["text"] == "Déclarer une anomalie"
    description_inputs = [b for b in view["blocks"] if b["type"] == "input" and b["element"].get("multiline")]
    assert len(description_inputs) == 13
    for block, label in zip(description_inputs, OFFER_LABELS, strict=True):
        assert block["label"]["text"] == f"Description de l'anomalie — {label}"
        assert block["element"]["max_length"] == 800
    assert all_text(view).count("Données présentes dans le ROR") == 13
    select = next(b for b in view["blocks"] if b.get("block_id") == "declare-items")
    assert select["dispatch_action"] is True
    assert select["label"]["text"] == "Données en anomalie"


def test_the_declaration_form_before_any_choice_invites_to_choose_items():
    form = DeclareForm(DeclareTarget("1110000056"), "CH", "Structure 1110000056", ["Tarifs"], {})
    view = form_modal(form)
    assert_modal_ok(view)
    assert "Choisissez les données en anomalie" in all_text(view)


def test_the_confirmation_of_thirteen_anomalies_fits_a_modal_and_a_message():
    anomalies = [hostile_anomaly(100_000_000_000 + i) for i in range(13)]
    text = confirmation_text(anomalies)
    assert_modal_ok(done_modal(text))
    assert_message_ok(confirmation_blocks(text))
    assert_no_raw_user_markup(done_modal(text))
    assert_no_raw_user_markup(confirmation_blocks(text))


def test_a_full_page_of_the_widest_listing_fits_a_message():
    state = ListState.of(WIDEST_FILTER, page=2)
    blocks = list_blocks(a_full_page(), state, WIDEST_FILTER, PARIS, notice=escape(HOSTILE))
    assert_message_ok(blocks)
    assert_no_raw_user_markup(blocks)
    text = all_text(blocks)
    assert "1000000 anomalies · 11 à 20 · page 2/100000" in text
    buttons = [
        e["text"]["text"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    ]
    assert buttons == [
        "Filtrer",
        "Remise à zéro",
        "Toutes mes anomalies",
        "Exporter (CSV)",
        "Précédent",
        "Suivant",
        "Annuler les anomalies cochées",
    ]
    rows = [b for b in blocks if b.get("accessory", {}).get("text", {}).get("text") == "Voir"]
    assert len(rows) == PAGE_SIZE
    for label in (
        "Reg.",
        "Dep.",
        "Nom de l'établissement",
        "Nom de l'offre",
        "Donnée",
        "Règle",
        "Dernière modification",
    ):
        assert label in rows[0]["text"]["text"]


def test_the_list_shows_last_modification_in_paris_time():
    anomaly = hostile_anomaly()
    blocks = list_blocks(Page([anomaly], 1, 1, PAGE_SIZE), ListState(), AnomalyFilter(), PARIS)
    assert "15/01/2026 13:30" in all_text(blocks)  # 12:30 UTC is 13:30 in Paris in winter


def test_an_empty_list_says_so_and_offers_no_export():
    blocks = list_blocks(Page([], 0, 1, PAGE_SIZE), ListState(), AnomalyFilter(), PARIS)
    assert_message_ok(blocks)
    assert "Aucune anomalie ne correspond." in all_text(blocks)
    assert "Exporter (CSV)" not in all_text(blocks)


def test_the_filter_modal_with_every_filter_set_fits_a_modal():
    metadata = '{"s":' + '"' + "x" * 1900 + '","u":"https://hooks.slack.com/actions/T0/1/' + "y" * 60 + '"}'
    view = filter_modal(WIDEST_FILTER, private_metadata=metadata)
    assert_modal_ok(view)
    labels = [b["label"]["text"] for b in view["blocks"]]
    assert labels == [
        "Région",
        "Département",
        "Référence",
        "Statut",
        "Ressource en anomalie",
        "Nom de l'établissement",
        "ID ressource",
        "Donnée en anomalie",
        "Dernière modification du",
        "Dernière modification au",
    ]
    status = view["blocks"][3]["element"]
    assert status["type"] == "multi_static_select"
    assert len(status["options"]) == 11
    assert len(status["initial_options"]) == 11
    assert view["blocks"][8]["element"] == {
        **view["blocks"][8]["element"],
        "type": "datepicker",
        "initial_date": "2026-01-01",
    }
    items = view["blocks"][7]["element"]
    assert len(items["options"]) == len(ALL_DATA_ITEM_LABELS)


def test_a_list_state_survives_its_button_value_and_refuses_filters_too_long_for_slack():
    state = ListState.of(WIDEST_FILTER, page=7)
    assert len(state.encode()) <= 2000
    assert ListState.decode(state.encode()) == state
    assert ListState.decode(state.encode()).filter == WIDEST_FILTER
    with pytest.raises(Exception, match="trop longs"):
        ListState.of(parse_filter_text("id=" + ",".join(str(10**38 + n) for n in range(60))))


def test_the_detail_keeps_the_utc_fields_in_utc_to_the_second_and_shows_the_history_in_ror_timezone():
    moment = datetime(2026, 1, 15, 15, 8, 30, tzinfo=UTC)
    anomaly = dataclasses.replace(hostile_anomaly(history=1), created_at=moment, updated_at=moment)
    anomaly.history = [dataclasses.replace(anomaly.history[0], at=moment)]

    text = all_text(detail_blocks(anomaly, cancellable=False, tz=ZoneInfo("America/Cayenne")))

    assert "Création (UTC)*\n15/01/2026 15:08:30" in text
    assert "Dernière modification (UTC)*\n15/01/2026 15:08:30" in text
    assert "Historique* (fuseau America/Cayenne)" in text
    assert "• 15/01/2026 12:08 ·" in text


def test_the_detail_of_an_anomaly_with_a_long_history_fits_a_message_and_a_modal():
    anomaly = hostile_anomaly(history=200)
    blocks = detail_blocks(anomaly, cancellable=True, tz=PARIS, notice="Annulée")
    assert_message_ok(blocks)
    assert_no_raw_user_markup(blocks)
    view = detail_modal(anomaly, cancellable=True, tz=PARIS)
    assert_modal_ok(view)
    text = all_text(blocks)
    for label in (
        "Référence",
        "Statut",
        "Ressource en anomalie",
        "ID ressource",
        "Nom de l'établissement",
        "Nom de l'offre",
        "Région",
        "Département",
        "Donnée en anomalie",
        "Données présentes dans le ROR",
        "Description de l'anomalie",
        "Thématique",
        "Action",
        "Règle",
        "Valeur proposée",
        "Système déclarant",
        "ID déclarant",
        "Destinataire",
        "Création (UTC)",
        "Dernière modification (UTC)",
        "Historique",
    ):
        assert label in text
    assert "170 changements plus anciens" in text
    cancel = blocks[-1]["elements"][0]
    assert cancel["text"]["text"] == "Annuler l'anomalie"
    assert cancel["confirm"]["confirm"]["text"] == "Annuler l'anomalie"


def test_a_final_anomaly_has_no_cancel_button():
    blocks = detail_blocks(hostile_anomaly(status=Status.CORRECTED), cancellable=False, tz=PARIS)
    assert "Annuler l'anomalie" not in all_text(blocks)
    assert "Statut définitif" in all_text(blocks)


def test_the_cancellation_prompt_is_the_one_confirmation_before_cancelling():
    blocks = cancel_prompt_blocks(hostile_anomaly())
    assert_message_ok(blocks)
    assert_no_raw_user_markup(blocks)
    confirm_button = blocks[1]["elements"][0]
    assert confirm_button["style"] == "danger"
    assert "confirm" not in confirm_button  # the prompt already asked: no second dialog


def test_the_home_tab_welcomes_by_first_name_and_name_and_counts_every_status():
    counts = dict.fromkeys(Status, 1000000)
    view = home_view(name="Alice MARTIN", group=NAME_100, perimeter=HOSTILE, counts=counts)
    assert_home_ok(view)
    assert_no_raw_user_markup(view)
    text = all_text(view)
    assert "Bienvenue, Alice MARTIN" in text
    for status in Status:
        assert status.label in text
    assert_home_ok(not_habilitated_home(NotHabilitated("bob@ailleurs.fr").message))


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ({"first_name": "Alice", "last_name": "Martin", "real_name": "x"}, "Alice MARTIN"),
        ({"real_name": "Jean Pierre Dupont"}, "Jean Pierre DUPONT"),
        ({"real_name": "Cher"}, "Cher"),
        ({}, ""),
    ],
)
def test_the_welcome_name_is_first_name_then_last_name_in_capitals(profile, expected):
    assert display_name(profile) == expected


def test_a_message_shortcut_prefill_of_any_text_keeps_the_lookup_modal_within_slack_limits() -> None:
    from bot.views.declare import DeclareTarget, lookup_modal

    worst = ('"\\\n\u0001' * 400)[:3000]
    view = lookup_modal(prefill=worst)
    assert_modal_ok(view)
    assert len(view["private_metadata"]) <= 3000
    assert "\u0001" not in DeclareTarget.decode(view["private_metadata"]).prefill
