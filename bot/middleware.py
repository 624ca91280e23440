"""How every request reaches its listener: acknowledged first, then who is acting is found out.

- The HTTP answer leaves as soon as the listener acknowledges. Whatever can be acknowledged without
  reading anything (commands, button clicks, shortcuts, events) is acknowledged before anything else,
  users.info included; only a modal submission, whose answer may carry form errors, is answered after its
  checks (still inside Slack's 3 seconds).
- Who acts: the Slack user → e-mail (users.info, cached) → member of a group (checked on every request, so
  a removed member loses access at once). Unhabilitated users get the SPEC §2 explanation where they
  acted. Slash commands resolve their member where they run (bot.listeners.commands).
- With worker processes (bot.background), everything after the ack of a request that opens no modal is
  done by a worker's own Bolt app, this same pipeline included (bot.forwarding hands most of them over
  before Bolt; `acting` hands over the rest, e.g. in Socket Mode).
- An acknowledgement, once given, stays given (`FirmAck`)."""

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.util.utils import get_arg_names_of_callable
from slack_sdk import WebClient

from bot.background import RequestJob
from bot.context import AppContext
from bot.errors import user_message
from bot.replays import first_delivery_of
from bot.reply import tell, user_id_of
from bot.router import Listener, Route, Router
from bot.slack_users import UserDirectory
from bot.views.declare import message_modal
from bot.views.home import not_habilitated_home
from domain.errors import NotHabilitated
from domain.services import resolve_member

logger = logging.getLogger(__name__)


class FirmAck(Ack):
    """Bolt's Ack, except that the first acknowledgement is final.

    When a listener raises after acknowledging, Bolt's thread runner sets `ack.response` back to None: if
    its waiting loop has not seen the acknowledgement yet (the error came within its 10 ms poll), Slack
    gets nothing for 3 seconds, then a 404, and shows the command as failed although the user was
    answered. Later acknowledgements (a listener acknowledging what the pipeline already acknowledged)
    change nothing either."""

    def __init__(self) -> None:
        self._response: BoltResponse | None = None

    @property
    def response(self) -> BoltResponse | None:
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if self._response is None:
            self._response = value

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        if self._response is not None:
            return self._response
        return super().__call__(*args, **kwargs)


def register(app: App, ror: AppContext, router: Router, users: UserDirectory | None = None) -> UserDirectory:
    """What every listener finds in the request's context (`ror`, `router`, `users`)."""
    directory = users or UserDirectory()

    @app.middleware
    def request_context(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        context["ack"] = FirmAck()
        context["ror"] = ror
        context["router"] = router
        context["users"] = directory
        return next()

    return directory


# Kinds of route whose listener acknowledges with nothing to say: the pipeline acknowledges for them.
ACK_FIRST = frozenset({"command", "action", "shortcut", "event"})


def acting(route: Route) -> Listener:
    """`route`'s listener inside the pipeline: acknowledge (unless it is a modal submission); then, when
    worker processes are there and the request needs nothing of this one (bot.background), hand it to a
    worker and stop here. Otherwise (and in the worker): drop a copy of a request already acted on
    (bot.replays), resolve the Slack user, then the member (unless the route is a slash command, or the
    router lets the request through without one), then run the listener with the arguments it names."""
    listener = route.listener
    names = get_arg_names_of_callable(listener)

    def run(
        request: BoltRequest,
        response: BoltResponse,
        ack: Ack,
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        logger: logging.Logger,
    ) -> None:
        if route.kind in ACK_FIRST:
            ack()

        def act() -> None:
            if not first_delivery_of(route, body, router=context["router"], ror=context["ror"]):
                ack()  # a copy of a request already acted on (bot.replays): answered with nothing
                return
            if not _find_who_acts(route, body=body, context=context, client=client, ack=ack):
                return
            kwargs = build_required_kwargs(
                logger=logger,
                required_arg_names=list(names),
                request=request,
                response=response,
                next_keys_required=False,
            )
            listener(**kwargs)

        if route.kind in ACK_FIRST and _handed_to_a_worker(route, request, body, context, act):
            return
        act()

    # Bolt names the listener in its logs; no __wrapped__, or Bolt would inject the listener's arguments here.
    run.__name__, run.__qualname__ = listener.__name__, listener.__qualname__
    return run


def _handed_to_a_worker(
    route: Route, request: BoltRequest, body: dict[str, Any], context: BoltContext, act: Callable[[], None]
) -> bool:
    """True when a worker process took the (acknowledged) request: it acts on it as this process would.
    If that worker dies first, `act` runs here, through the app's error handler (nothing is lost)."""
    ror: AppContext = context["ror"]
    router: Router = context["router"]
    background = ror.background
    if background is None or router.in_server(route, body):
        return False
    content_type = request.headers.get("content-type") or [""]
    job = RequestJob(body=request.raw_body, content_type=content_type[0])
    return background.submit(job, fallback=lambda: _acting_here(act, body=body, context=context))


def _acting_here(act: Callable[[], None], *, body: dict[str, Any], context: BoltContext) -> None:
    """A request its worker lost, acted on here; an error is told to the user as the error handler would."""
    try:
        act()
    except Exception as error:  # the app's one error handler is out of reach in this thread
        logger.error("Requête reprise par le serveur en échec", exc_info=error)
        tell(body=body, client=context.client, respond=context.respond, text=user_message(error))


def _find_who_acts(
    route: Route, *, body: dict[str, Any], context: BoltContext, client: WebClient, ack: Ack
) -> bool:
    """Put `slack_user` (and `member`) in the context; False when the user was told they may not act."""
    user_id = context.user_id or user_id_of(body)
    if not user_id:
        return True
    ror: AppContext = context["ror"]
    router: Router = context["router"]
    users: UserDirectory = context["users"]
    slack_user = users.lookup(client, user_id)
    context["slack_user"] = slack_user
    if route.kind == "command" or router.lets_through(body):
        return True  # commands resolve their member where they run; recipients need no group
    try:
        context["member"] = resolve_member(email=slack_user.email, uow=ror.store.reader())
    except NotHabilitated as error:
        logger.info("Utilisateur Slack %s non habilité (%s)", user_id, slack_user.email)
        explain_not_habilitated(error, body=body, client=client, context=context, ack=ack)
        return False
    return True


def explain_not_habilitated(
    error: NotHabilitated, *, body: dict[str, Any], client: WebClient, context: BoltContext, ack: Ack
) -> None:
    """Answer an unhabilitated user where they acted, in French, and do nothing else."""
    message = error.message
    kind = body.get("type")
    if kind == "view_submission":
        ack(response_action="update", view=message_modal("Accès non autorisé", message))
        return
    if kind == "event_callback":
        event = body.get("event") or {}
        if event.get("type") == "app_home_opened" and event.get("tab", "home") == "home" and context.user_id:
            client.views_publish(user_id=context.user_id, view=not_habilitated_home(message))
        return
    tell(body=body, client=client, respond=context.respond, text=message)
