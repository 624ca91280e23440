"""`/ror <sous-commande> …`: acknowledge, find who acts, run the subcommand the router knows for the word
(each surface adds its own, e.g. the digest subscriptions add `abonner`, `abonnements`, `desabonner`)."""

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.background import CommandJob
from bot.context import AppContext
from bot.ids import CommandIds
from bot.mrkdwn import escape
from bot.router import CommandCall, Router
from bot.slack_users import SlackUser
from bot.views.help import help_blocks, help_text
from domain.errors import NotHabilitated
from domain.services import resolve_member


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
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    ror: AppContext,
    router: Router,
    client: WebClient,
    respond: Respond,
) -> None:
    """Acknowledge at once; then find who acts and run the subcommand, in a worker process when it
    allows it (bot.background) or here."""
    ack()
    name, rest = split_command(str(command.get("text", "")))
    slack_user: SlackUser = context["slack_user"]
    job = CommandJob(name=name, text=rest, command=command, email=slack_user.email)
    subcommand = router.subcommand_for(name)
    background = ror.background if subcommand is not None and subcommand.background else None
    if background is not None and background.submit(
        job, fallback=lambda: run_job(job, router=router, ror=ror, client=client, respond=respond)
    ):
        return
    run_job(job, router=router, ror=ror, client=client, respond=respond)


def run_job(job: CommandJob, *, router: Router, ror: AppContext, client: WebClient, respond: Respond) -> None:
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
    subcommand = router.subcommand_for(call.name)
    if subcommand is None:
        intro = f":grey_question: Je ne connais pas la commande « {escape(call.name)} ». Voici ce que je sais faire :"
        call.reply(text=help_text(), blocks=help_blocks(intro=intro))
        return
    subcommand.handler(call)


def add_routes(router: Router) -> None:
    router.subcommand(("aide", "help", "?"), show_help, background=True)
    router.command(CommandIds.COMMAND, handle_ror)
