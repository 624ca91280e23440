"""`/ror <sous-commande> …`: one router from subcommand words to handlers.

Other features add their subcommands with `add_subcommand` from their own `register(app)` (for
example the digest subscriptions: `abonner`, `abonnements`, `desabonner`)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.context import AppContext
from bot.ids import CommandIds
from bot.mrkdwn import escape
from bot.views.help import help_blocks, help_text
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


SubcommandHandler = Callable[[CommandCall], None]

_SUBCOMMANDS: dict[str, SubcommandHandler] = {}


def add_subcommand(names: Iterable[str], handler: SubcommandHandler) -> None:
    """Route `/ror <name> …` to `handler` for each of `names` (case and accents ignored)."""
    for name in names:
        _SUBCOMMANDS[fold(name)] = handler


def subcommand_for(word: str) -> SubcommandHandler | None:
    return _SUBCOMMANDS.get(fold(word))


def split_command(text: str) -> tuple[str, str]:
    """(`subcommand`, `rest`) of the command text; an empty text is `aide`."""
    stripped = (text or "").strip()
    if not stripped:
        return "aide", ""
    parts = stripped.split(maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def show_help(call: CommandCall) -> None:
    call.reply(text=help_text(), blocks=help_blocks())


def handle_ror(
    ack: Ack, command: dict[str, Any], member: Member, ror: AppContext, client: WebClient, respond: Respond
) -> None:
    name, rest = split_command(str(command.get("text", "")))
    handler = subcommand_for(name)
    ack()
    call = CommandCall(
        name=name, text=rest, command=command, member=member, ror=ror, client=client, respond=respond
    )
    if handler is None:
        intro = (
            f":grey_question: Je ne connais pas la commande « {escape(name)} ». Voici ce que je sais faire :"
        )
        call.reply(text=help_text(), blocks=help_blocks(intro=intro))
        return
    handler(call)


def register(app: App) -> None:
    add_subcommand(("aide", "help", "?"), show_help)
    app.command(CommandIds.COMMAND)(handle_ror)
