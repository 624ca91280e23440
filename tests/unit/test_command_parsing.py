"""Reading what users type and submit: `/ror` subcommands, `key=value` filters, modal states."""

import pytest

from bot.ids import DeclareIds, ListIds
from bot.listeners import commands
from bot.listeners.declare import errors_for, idempotency_key
from bot.listeners.listing import filter_words
from bot.router import Router
from bot.routes import build_router
from domain.errors import InvalidDeclaration, InvalidFilter
from domain.filters import parse_filter_text

ROUTER = build_router()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("aide", "")),
        ("   ", ("aide", "")),
        ("rechercher 1110000056 91/11359", ("rechercher", "1110000056 91/11359")),
        ('anomalies statut=bloquee nom="hotel dieu"', ("anomalies", 'statut=bloquee nom="hotel dieu"')),
        ("  voir   ANO_100000000909 ", ("voir", "ANO_100000000909")),
    ],
)
def test_the_first_word_is_the_subcommand_and_an_empty_command_is_help(text, expected):
    assert commands.split_command(text) == expected


@pytest.mark.parametrize(
    ("french", "english"),
    [
        ("aide", "help"),
        ("rechercher", "search"),
        ("declarer", "declare"),
        ("anomalies", "list"),
        ("voir", "show"),
        ("annuler", "cancel"),
    ],
)
def test_every_french_subcommand_has_its_english_alias(french, english):
    assert ROUTER.subcommand_for(french) is not None
    assert ROUTER.subcommand_for(french) == ROUTER.subcommand_for(english)


def test_subcommands_ignore_case_and_accents():
    assert ROUTER.subcommand_for("DÉCLARER") == ROUTER.subcommand_for("declarer")


def test_an_unknown_subcommand_has_no_handler():
    assert ROUTER.subcommand_for("supprimer") is None


def test_a_surface_adds_its_subcommands_to_the_router_it_is_given_and_to_no_other():
    def subscribe(call):
        return None

    router = Router()
    router.subcommand(("abonner", "subscribe"), subscribe)
    assert router.subcommand_for("Abonner").handler is subscribe
    assert router.subcommand_for("subscribe").handler is subscribe
    assert Router().subcommand_for("abonner") is None


def test_building_routers_twice_gives_two_equal_routers_nothing_grows():
    first, second = build_router(), build_router()
    assert first is not second
    assert len(first.routes) == len(second.routes)
    assert [r.matcher for r in first.routes] == [r.matcher for r in second.routes]


def test_only_reading_subcommands_are_replayed_without_being_remembered():
    read_only = {
        word for word in ("aide", "rechercher", "anomalies", "voir") if ROUTER.subcommand_for(word).read_only
    }
    assert read_only == {"aide", "rechercher", "anomalies", "voir"}
    for word in ("declarer", "annuler", "abonner", "abonnements", "desabonner", "digest"):
        assert not ROUTER.subcommand_for(word).read_only, word


def _command_route():
    return next(route for route in ROUTER.routes if route.kind == "command")


def test_every_subcommand_but_declarer_may_be_handed_to_a_worker_process():
    route = _command_route()
    for word in ROUTER.subcommand_words:
        assert ROUTER.in_server(route, {"text": f"{word} x"}) is (word == "declarer"), word
    assert not ROUTER.in_server(route, {"text": "inconnue"})  # answered with the help, anywhere
    assert not ROUTER.in_server(route, {"text": ""})


def test_modal_submissions_and_clicks_that_open_a_modal_stay_in_the_serving_process():
    for route in ROUTER.routes:
        if route.kind == "view":
            assert ROUTER.in_server(route, {}), route.matcher
    opening = {str(r.matcher) for r in ROUTER.routes if r.kind != "command" and ROUTER.in_server(r, {})}
    for listener in ("open_blank", "open_from_card", "open_from_message", "show_row", "open_filter"):
        route = next(r for r in ROUTER.routes if r.listener.__name__ == listener)
        assert str(route.matcher) in opening, listener


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("statut", "n'est pas un filtre"),
        ("couleur=rouge", "Filtre inconnu « couleur »"),
        ("statut=violette", "n'est pas un statut"),
        ("du=31/02/2026", "date impossible"),
        ("region=99", "99"),
        ("dep=999", "999"),
        ("ressource=voiture", "n'est pas un type de ressource"),
        ('nom="hotel dieu', "Guillemet non fermé"),
        ("du=15/01/2026 au=01/01/2026", "est après la date"),
        ("ref=XYZ", "préfixe de référence invalide"),
    ],
)
def test_a_bad_filter_gets_a_precise_french_error(text, message):
    with pytest.raises(InvalidFilter, match=message):
        parse_filter_text(text)


def test_quoted_filter_values_keep_their_spaces():
    flt = parse_filter_text('nom="hotel dieu" statut=bloquee,a_traiter')
    assert flt.name_contains == "hotel dieu"
    assert {s.code for s in flt.statuses} == {"02", "04", "11"}


def _text(value):
    return {ListIds.F_INPUT: {"type": "plain_text_input", "value": value}}


def _options(*values):
    return {
        ListIds.F_INPUT: {"type": "multi_static_select", "selected_options": [{"value": v} for v in values]}
    }


def _date(value):
    return {ListIds.F_INPUT: {"type": "datepicker", "selected_date": value}}


def test_the_filter_modal_becomes_the_same_words_as_the_command():
    values = {
        ListIds.F_REGION: _text("76"),
        ListIds.F_DEP: _text("11"),
        ListIds.F_REF: _text(None),
        ListIds.F_STATUS: _options("04", "11"),
        ListIds.F_KIND: _options("offre"),
        ListIds.F_NAME: _text("hôtel dieu"),
        ListIds.F_ITEM: _options("Adresse établissement"),
        ListIds.F_FROM: _date("2026-01-01"),
        ListIds.F_TO: _date(None),
    }
    words, errors = filter_words(values)
    assert errors == {}
    assert words == [
        "region=76",
        "dep=11",
        "statut=04,11",
        "ressource=offre",
        "nom=hôtel dieu",
        "donnee=Adresse établissement",
        "du=01/01/2026",
    ]


def test_each_bad_filter_modal_field_gets_its_own_inline_error():
    words, errors = filter_words(
        {ListIds.F_REGION: _text("99"), ListIds.F_REF: _text("XYZ"), ListIds.F_DEP: _text("11")}
    )
    assert words == ["dep=11"]
    assert set(errors) == {ListIds.F_REGION, ListIds.F_REF}


def test_declaration_errors_land_on_the_blocks_of_their_fields():
    labels = ["Tarifs", "Horaires"]
    error = InvalidDeclaration(
        {"donnees": "Choisissez au moins une donnée.", "description:Horaires": "Décrivez l'anomalie."}
    )
    assert errors_for(error, labels, step=2) == {
        DeclareIds.ITEMS_BLOCK: "Choisissez au moins une donnée.",
        "declare-description-1": "Décrivez l'anomalie.",
    }
    lookup = InvalidDeclaration({"structure": "Inconnue.", "offre": "Pas à elle."})
    assert errors_for(lookup, [], step=1) == {
        DeclareIds.STRUCTURE_BLOCK: "Inconnue.",
        DeclareIds.OFFER_BLOCK: "Pas à elle.",
    }


def test_the_same_view_submitted_twice_has_the_same_idempotency_key_and_other_values_another():
    view = {"id": "V1", "state": {"values": {"a": {"b": {"value": "x"}}}}}
    again = {"id": "V1", "state": {"values": {"a": {"b": {"value": "x"}}}}}
    changed = {"id": "V1", "state": {"values": {"a": {"b": {"value": "y"}}}}}
    assert idempotency_key(view) == idempotency_key(again)
    assert idempotency_key(view) != idempotency_key(changed)
    assert idempotency_key(view) != idempotency_key({**view, "id": "V2"})
