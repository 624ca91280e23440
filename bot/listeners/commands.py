"""`/ror <sous-commande> …`: one router from subcommand words to handlers.

Other features add their subcommands with `add_subcommand` from their own `register(app)` (for
example the digest subscriptions: `abonner`, `abonnements`, `desabonner`)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.background import CommandJob
from bot.context import AppContext
from bot.ids import CommandIds
from bot.middleware import SlackUser
from bot.mrkdwn import escape
from bot.views.help import help_blocks, help_text
from domain.errors import NotHabilitated
from domain.habilitation import Member
from domain.services import resolve_member
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
# Handlers that only read and answer through the response URL: they may run in a worker process.
_BACKGROUND: set[str] = set()


def add_subcommand(names: Iterable[str], handler: SubcommandHandler, *, background: bool = False) -> None:
    """Route `/ror <name> …` to `handler` for each of `names` (case and accents ignored).

    `background` handlers need nothing of the request but the command itself (no trigger_id, whose
    3 seconds could run out in a queue), so they can run in bot.background's worker processes."""
    for name in names:
        _SUBCOMMANDS[fold(name)] = handler
        if background:
            _BACKGROUND.add(fold(name))


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


def run_subcommand(call: CommandCall) -> None:
    handler = subcommand_for(call.name)
    if handler is None:
        intro = f":grey_question: Je ne connais pas la commande « {escape(call.name)} ». Voici ce que je sais faire :"
        call.reply(text=help_text(), blocks=help_blocks(intro=intro))
        return
    handler(call)


def handle_ror(
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    ror: AppContext,
    client: WebClient,
    respond: Respond,
) -> None:
    """Acknowledge at once; then find who acts and run the subcommand, in a worker process when it
    allows it (bot.background) or here."""
    ack()
    name, rest = split_command(str(command.get("text", "")))
    slack_user: SlackUser = context["slack_user"]
    job = CommandJob(name=name, text=rest, command=command, email=slack_user.email)
    background = ror.background if fold(name) in _BACKGROUND else None
    if background is not None and background.submit(
        job, fallback=lambda: run_job(job, ror=ror, client=client, respond=respond)
    ):
        return
    run_job(job, ror=ror, client=client, respond=respond)


def run_job(job: CommandJob, *, ror: AppContext, client: WebClient, respond: Respond) -> None:
    """Resolve the member (checked on every command, so a removed member loses access at once), then
    run the subcommand; an unhabilitated user reads how to ask for access."""
    try:
        member = resolve_member(email=job.email, uow=ror.store.reader())
    except NotHabilitated as error:
        respond(text=error.message, response_type="ephemeral", replace_original=False)
        return
    call = CommandCall(
        name=job.name,
        text=job.text,
        command=job.command,
        member=member,
        ror=ror,
        client=client,
        respond=respond,
    )
    run_subcommand(call)


def register(app: App) -> None:
    add_subcommand(("aide", "help", "?"), show_help, background=True)
    app.command(CommandIds.COMMAND)(handle_ror)
