"""`ror-bot scheduler` and `ror-bot digest run-due [--at ISO-8601]`."""

import argparse
import logging
import sys
from datetime import datetime

from bot.cli.parser import UsageError
from bot.context import AppContext
from domain.digests import RunStatus
from domain.services.digests import RunReport

_VERBS = {
    RunStatus.POSTED: "publié",
    RunStatus.EMPTY: "rien à signaler, rien publié",
    RunStatus.FAILED: "échec, nouvel essai au prochain passage",
    RunStatus.UNCERTAIN: (
        "publication non confirmée par Slack ; le prochain passage la cherche dans le canal avant de "
        "republier quoi que ce soit"
    ),
    RunStatus.ABANDONED: "abonnement désactivé",
}


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    scheduler = subparsers.add_parser(
        "scheduler",
        help="lancer seul le planificateur (récapitulatifs et notifications)",
        description="Publie chaque minute les récapitulatifs dus et livre les notifications, jusqu'à Ctrl-C "
        "(pour les instances `ror-bot run --no-scheduler`). Demande SLACK_BOT_TOKEN.",
        epilog="exemple :\n  SLACK_BOT_TOKEN=xoxb-… ror-bot scheduler",
    )
    scheduler.set_defaults(func=run_scheduler)
    digest = subparsers.add_parser("digest", help="récapitulatifs des canaux abonnés")
    commands = digest.add_subparsers(dest="digest_command", metavar="ACTION")
    run_due = commands.add_parser(
        "run-due",
        help="publier tous les récapitulatifs dus à cet instant, puis s'arrêter",
        description="Publie chaque récapitulatif dû à l'instant donné (au plus une fois par abonnement et "
        "par période, même lancé plusieurs fois en même temps) et affiche ce qui a été publié.",
        epilog="exemples :\n  ror-bot digest run-due\n  ror-bot digest run-due --at 2026-01-15T08:30",
    )
    run_due.add_argument(
        "--at",
        metavar="ISO-8601",
        help="instant (par défaut : maintenant ; sans fuseau : heure de ROR_TIMEZONE)",
    )
    run_due.set_defaults(func=run_due_command)


def parse_at(text: str, context: AppContext) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise UsageError(
            f"« {text} » n'est pas un instant ISO-8601 (par exemple 2026-01-15T08:30)."
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=context.settings.timezone)
    return moment


def report_line(report: RunReport, context: AppContext) -> str:
    sub = report.subscription
    when = report.period_end.astimezone(context.settings.timezone).strftime("%d/%m/%Y %H:%M")
    line = f"Abonnement {sub.id} (canal {sub.channel_id}), période jusqu'au {when} : {_VERBS[report.status]}"
    if report.status is RunStatus.POSTED and not report.error:
        line += f" ({report.total} anomalie{'s' if report.total > 1 else ''})"
    if report.error:
        line += f" [{report.error}]"
    return line + "."


def run_due_command(args: argparse.Namespace) -> int:
    from bot.notifications.scheduler import run_due

    context = AppContext.start()
    context.settings.require_bot_token()
    at = parse_at(args.at, context) if args.at else None
    reports = run_due(context, at=at)
    if not reports:
        print("Aucun récapitulatif à publier.")
    for report in reports:
        print(report_line(report, context))
    context.store.dispose()
    return 1 if any(r.status in (RunStatus.FAILED, RunStatus.UNCERTAIN) for r in reports) else 0


def run_scheduler(args: argparse.Namespace) -> int:  # noqa: ARG001
    """Until SIGTERM or SIGINT, which let the run in progress finish."""
    from bot.context import StoreClosing
    from bot.notifications.scheduler import DigestScheduler
    from bot.runtime import Runtime

    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s : %(message)s"
    )
    context = AppContext.start()
    context.settings.require_bot_token()
    runtime = Runtime()
    runtime.add(StoreClosing(context))
    runtime.add(DigestScheduler(context))
    runtime.run()
    return 0
