"""Which Slack requests are acted on once (bot.replays): everything that may change something, by default;
only what the router marks `replay_safe` (reading, paging, opening a form) goes through without a write."""

from bot.ids import DeclareIds, DetailIds, DigestIds, HomeIds, ListIds, RecipientIds, SearchIds
from bot.replays import replay_key
from bot.router import Router
from bot.routes import build_router

ROUTER = build_router()


def command(text: str) -> dict:
    return {"command": "/ror", "text": text, "trigger_id": "T1"}


def click(action_id: str) -> dict:
    return {"type": "block_actions", "trigger_id": "T1", "actions": [{"action_id": action_id}]}


def submission(callback_id: str) -> dict:
    return {"type": "view_submission", "trigger_id": "T1", "view": {"callback_id": callback_id}}


def test_the_commands_that_change_something_are_acted_on_once():
    guarded = {
        word
        for word in (
            "aide",
            "rechercher 1110000056",
            "declarer",
            "anomalies",
            "voir ANO_100000000001",
            "annuler ANO_100000000001",
            "abonner dep=11",
            "abonnements",
            "desabonner 3",
            "digest",
            "inconnue",
        )
        if replay_key(command(word), ROUTER) is not None
    }

    assert guarded == {"abonner dep=11", "desabonner 3", "digest"}


def test_the_buttons_that_change_something_are_acted_on_once():
    actions = [
        DetailIds.CONFIRM_CANCEL,
        DetailIds.CANCEL,
        DetailIds.KEEP,
        ListIds.CANCEL_SELECTION,
        ListIds.EXPORT,
        ListIds.NEXT,
        ListIds.PREVIOUS,
        ListIds.SHOW,
        ListIds.SELECT,
        ListIds.FILTER,
        ListIds.RESET,
        ListIds.ALL,
        SearchIds.LIST,
        SearchIds.DECLARE,
        HomeIds.LIST_ALL,
        HomeIds.DECLARE,
        DeclareIds.OPEN_MODAL,
        DeclareIds.ITEMS_SELECT,
        DigestIds.UNSUBSCRIBE,
        DigestIds.OPEN_LIST,
        f"{RecipientIds.OUTCOME}08",
    ]

    guarded = {action for action in actions if replay_key(click(action), ROUTER) is not None}

    assert guarded == {
        DetailIds.CONFIRM_CANCEL,
        DetailIds.CANCEL,
        ListIds.CANCEL_SELECTION,
        ListIds.EXPORT,
        DigestIds.UNSUBSCRIBE,
    }


def test_forms_that_change_something_are_acted_on_once_and_searches_are_not():
    assert replay_key(submission(DeclareIds.FORM_MODAL), ROUTER) == "trigger:T1"
    assert replay_key(submission(RecipientIds.OUTCOME_MODAL), ROUTER) == "trigger:T1"
    assert replay_key(submission(DeclareIds.LOOKUP_MODAL), ROUTER) is None
    assert replay_key(submission(ListIds.FILTER_MODAL), ROUTER) is None


def test_a_new_route_is_acted_on_once_unless_marked_replay_safe():
    router = Router()
    router.action("new-button", lambda: None)
    router.action("new-reader", lambda: None, replay_safe=True)
    router.subcommand(("nouvelle",), lambda call: None)

    assert replay_key(click("new-button"), router) == "trigger:T1"
    assert replay_key(click("new-reader"), router) is None
    assert replay_key(command("nouvelle"), router) == "trigger:T1"


def test_a_click_on_several_actions_is_acted_on_once_if_any_of_them_changes_something():
    body = click(ListIds.SHOW)
    body["actions"].append({"action_id": DetailIds.CONFIRM_CANCEL})

    assert replay_key(body, ROUTER) == "trigger:T1"


def test_events_and_requests_without_trigger_are_not_remembered():
    assert replay_key({"type": "event_callback", "event": {"type": "app_home_opened"}}, ROUTER) is None
    assert replay_key({"type": "block_actions", "actions": [{"action_id": DetailIds.CANCEL}]}, ROUTER) is None
