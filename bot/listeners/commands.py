"""`/ror <sous-commande> …`: acknowledge, find who acts, run the subcommand the router knows for the word
(each surface adds its own, e.g. the digest subscriptions add `abonner`, `abonnements`, `desabonner`)."""

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.context import AppContext
from bot.ids import CommandIds
from bot.mrkdwn import escape
from bot.router import CommandCall, Router, split_command
from bot.slack_users import SlackUser
from bot.views.help import help_blocks, help_text
from domain.errors import NotHabilitated
from domain.services import resolve_member


def show_help(call: CommandCall) -> None:
    call.reply(text=help_text(), blocks=help_blocks())


def handle_ror(
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    ror: AppContext,
    router: Router,
    client: WebClient,
    respond: Respond,
) -> None:
    """Acknowledged already (bot.middleware.acting; in a worker process for every subcommand that opens
    no modal, see bot.background). Resolve the member (checked on every command, so a removed member
    loses access at once), then run the subcommand; an unhabilitated user reads how to ask for access."""
    ack()
    name, rest = split_command(str(command.get("text", "")))
    slack_user: SlackUser = context["slack_user"]
    try:
        member = resolve_member(email=slack_user.email, uow=ror.store.reader())
    except NotHabilitated as error:
        respond(text=error.message, response_type="ephemeral", replace_original=False)
        return
    call = CommandCall(
        name=name,
        text=rest,
        command=command,
        member=member,
        ror=ror,
        client=client,
        respond=respond,
    )
    subcommand = router.subcommand_for(call.name)
    if subcommand is None:
        intro = f":grey_question: Je ne connais pas la commande « {escape(call.name)} ». Voici ce que je sais faire :"
        call.reply(text=help_text(), blocks=help_blocks(intro=intro))
        return
    subcommand.handler(call)


def add_routes(router: Router) -> None:
    router.subcommand(("aide", "help", "?"), show_help, read_only=True)
    router.command(CommandIds.COMMAND, handle_ror)
