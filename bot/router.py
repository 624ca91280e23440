"""What one Slack app answers: its `/ror` subcommands, its actions, views, events and shortcuts, and the
requests it lets through without a habilitation group.

Each surface (`bot/listeners/<surface>.py`) fills the router of the app being built with its
`add_routes(router)`; `bot.routes.build_router` asks every surface. Nothing is global: two apps in one
process have two routers, and a worker process builds a router (for the subcommands) without any Bolt
app."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.context import AppContext
from domain.habilitation import Member
from domain.text import fold


@dataclass(frozen=True, slots=True)
class CommandCall:
    """One `/ror` invocation, already acknowledged, as a subcommand handler sees it."""

    name: str  # the subcommand word as typed
    text: str  # what follows the subcommand word
    command: dict[str, Any]
    member: Member
    ror: AppContext
    client: WebClient
    respond: Respond

    @property
    def words(self) -> list[str]:
        return self.text.split()

    @property
    def user_id(self) -> str:
        return str(self.command.get("user_id", ""))

    @property
    def channel_id(self) -> str:
        return str(self.command.get("channel_id", ""))

    @property
    def trigger_id(self) -> str:
        return str(self.command.get("trigger_id", ""))

    def reply(self, *, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """An ephemeral answer in the channel where the command was typed."""
        self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


def split_command(text: str) -> tuple[str, str]:
    """(`subcommand`, `rest`) of the command text; an empty text is `aide`."""
    stripped = (text or "").strip()
    if not stripped:
        return "aide", ""
    parts = stripped.split(maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


SubcommandHandler = Callable[[CommandCall], None]
Listener = Callable[..., Any]
# Bolt matches actions by action_id and views by callback_id: a string or a pattern.
Matcher = str | re.Pattern[str]
BodyPredicate = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Subcommand:
    handler: SubcommandHandler
    # Only reads and answers through the response URL.
    read_only: bool
    # A second delivery of the same command changes nothing (it reads, or opens a form): bot.replays
    # lets its copies through without remembering it.
    replay_safe: bool = False
    # Uses the command's trigger_id (valid 3 s): runs in the serving process, never queued for a worker.
    opens_modal: bool = False


@dataclass(frozen=True, slots=True)
class Route:
    """One Bolt listener: `kind` is the App method that registers it (command, action, view, …)."""

    kind: str
    matcher: Matcher
    listener: Listener
    replay_safe: bool = False
    # Uses the request's trigger_id (valid 3 s): runs in the serving process, never queued for a worker.
    opens_modal: bool = False


class Router:
    def __init__(self) -> None:
        self._subcommands: dict[str, Subcommand] = {}
        self._routes: list[Route] = []
        self._without_member: list[BodyPredicate] = []

    # --- filled by the surfaces --------------------------------------------------------------------

    def subcommand(
        self,
        names: Iterable[str],
        handler: SubcommandHandler,
        *,
        read_only: bool = False,
        replay_safe: bool = False,
        opens_modal: bool = False,
    ) -> None:
        """Route `/ror <name> …` to `handler` for each of `names` (case and accents ignored).

        Every subcommand runs in bot.background's worker processes when there are some, except those
        that `opens_modal` with the command's trigger_id (its 3 seconds could run out in a queue).
        `read_only` handlers only read and answer, so they are `replay_safe` too. `replay_safe`: a copy
        of the command changes nothing (it reads or opens a form); any other command is acted on once
        (bot.replays)."""
        for name in names:
            self._subcommands[fold(name)] = Subcommand(
                handler, read_only, replay_safe or read_only, opens_modal
            )

    def command(self, name: str, listener: Listener) -> None:
        self._routes.append(Route("command", name, listener))

    def action(
        self, action_id: Matcher, listener: Listener, *, replay_safe: bool = False, opens_modal: bool = False
    ) -> None:
        """`replay_safe`: a copy of the click changes nothing (it reads, pages, opens a form).
        `opens_modal`: the listener uses the click's trigger_id, so it runs in the serving process; any
        other click is acted on in a worker process when there are some (bot.background)."""
        self._routes.append(Route("action", action_id, listener, replay_safe, opens_modal))

    def view(self, callback_id: Matcher, listener: Listener, *, replay_safe: bool = False) -> None:
        """`replay_safe`: a copy of the submission changes nothing (a search, a filter)."""
        self._routes.append(Route("view", callback_id, listener, replay_safe))

    def event(self, event_type: str, listener: Listener) -> None:
        self._routes.append(Route("event", event_type, listener))

    def shortcut(
        self, callback_id: str, listener: Listener, *, replay_safe: bool = False, opens_modal: bool = False
    ) -> None:
        self._routes.append(Route("shortcut", callback_id, listener, replay_safe, opens_modal))

    def without_member(self, allows: BodyPredicate) -> None:
        """Let requests for which `allows(body)` is true through without a habilitation group (the Slack
        user is still resolved), e.g. recipients answering an anomaly."""
        self._without_member.append(allows)

    # --- read by the app and the workers ----------------------------------------------------------

    def subcommand_for(self, word: str) -> Subcommand | None:
        return self._subcommands.get(fold(word))

    @property
    def subcommand_words(self) -> tuple[str, ...]:
        """One word per subcommand (the first it was given), in the order they were added."""
        first: dict[SubcommandHandler, str] = {}
        for word, subcommand in self._subcommands.items():
            first.setdefault(subcommand.handler, word)
        return tuple(first.values())

    def in_server(self, route: Route, body: dict[str, Any]) -> bool:
        """Whether this request must be acted on by the serving process: a modal submission (its ack
        carries the answer) or what opens a modal; anything else may go to a worker process."""
        if route.kind == "view" or route.opens_modal:
            return True
        if route.kind == "command":
            subcommand = self.subcommand_for(split_command(str(body.get("text") or ""))[0])
            return subcommand is not None and subcommand.opens_modal
        return False

    def lets_through(self, body: dict[str, Any]) -> bool:
        return any(allows(body) for allows in self._without_member)

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(self._routes)

    def install(self, app: App, *, wrap: Callable[[Route], Listener]) -> None:
        """Register every route with the Bolt app, each listener inside `wrap` (bot.middleware.acting)."""
        registrars = {
            "command": app.command,
            "action": app.action,
            "view": app.view,
            "event": app.event,
            "shortcut": app.shortcut,
        }
        for route in self._routes:
            registrars[route.kind](route.matcher)(wrap(route))
