"""Which Slack requests are acted on once (bot.replays): everything that may change something, by default;
only what the router marks `replay_safe` (reading, paging, opening a form) goes through without a write."""

import re

from bot.ids import DeclareIds, DetailIds, DigestIds, HomeIds, ListIds, RecipientIds, SearchIds
from bot.replays import replay_key
from bot.router import Route, Router
from bot.routes import build_router

ROUTER = build_router()


def route_for(router: Router, kind: str, name: str) -> Route:
    """The route Bolt runs for a request of `kind` named `name`."""

    def matches(route: Route) -> bool:
        if isinstance(route.matcher, re.Pattern):
            return route.matcher.fullmatch(name) is not None
        return route.matcher == name

    return next(r for r in router.routes if r.kind == kind and matches(r))


def command(text: str) -> dict:
    return {"command": "/ror", "text": text, "trigger_id": "T1"}


def click(action_id: str) -> dict:
    return {"type": "block_actions", "trigger_id": "T1", "actions": [{"action_id": action_id}]}


def submission(callback_id: str) -> dict:
    return {"type": "view_submission", "trigger_id": "T1", "view": {"callback_id": callback_id}}


def key(body: dict, router: Router = ROUTER) -> str | None:
    if "command" in body:
        route = route_for(router, "command", "/ror")
    elif body["type"] == "block_actions":
        route = route_for(router, "action", body["actions"][0]["action_id"])
    else:
        route = route_for(router, "view", body["view"]["callback_id"])
    return replay_key(route, body, router)


def test_the_commands_that_change_something_are_acted_on_once():
    texts = (
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

    guarded = {text for text in texts if key(command(text)) is not None}

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
        DeclareIds.OPEN_MODAL,
        DeclareIds.ITEMS_SELECT,
        DigestIds.UNSUBSCRIBE,
        DigestIds.OPEN_LIST,
        f"{RecipientIds.OUTCOME}08",
    ]

    guarded = {action for action in actions if key(click(action)) is not None}

    assert guarded == {
        DetailIds.CONFIRM_CANCEL,
        DetailIds.CANCEL,
        ListIds.CANCEL_SELECTION,
        ListIds.EXPORT,
        DigestIds.UNSUBSCRIBE,
    }


def test_forms_that_change_something_are_acted_on_once_and_searches_are_not():
    assert key(submission(DeclareIds.FORM_MODAL)) == "trigger:T1"
    assert key(submission(RecipientIds.OUTCOME_MODAL)) == "trigger:T1"
    assert key(submission(DeclareIds.LOOKUP_MODAL)) is None
    assert key(submission(ListIds.FILTER_MODAL)) is None


def test_a_new_route_is_acted_on_once_unless_marked_replay_safe():
    router = Router()
    router.command("/ror", lambda: None)
    router.action("new-button", lambda: None)
    router.action("new-reader", lambda: None, replay_safe=True)
    router.subcommand(("nouvelle",), lambda call: None)

    assert key(click("new-button"), router) == "trigger:T1"
    assert key(click("new-reader"), router) is None
    assert key(command("nouvelle"), router) == "trigger:T1"


def test_events_and_requests_without_trigger_are_not_remembered():
    home = next(r for r in ROUTER.routes if r.kind == "event")
    assert replay_key(home, {"type": "event_callback", "event": {"type": "app_home_opened"}}, ROUTER) is None
    cancel = route_for(ROUTER, "action", DetailIds.CANCEL)
    assert replay_key(cancel, {"type": "block_actions", "actions": [{"action_id": "x"}]}, ROUTER) is None
