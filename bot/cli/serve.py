"""`ror-bot run`: serve Slack (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT)."""

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING

from bot.cli.main import UsageError
from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.runtime import Runtime


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    run = subparsers.add_parser(
        "run",
        help="servir l'app Slack (Socket Mode si SLACK_APP_TOKEN est défini, sinon HTTP sur PORT)",
        description="Sert l'app Slack : Socket Mode si SLACK_APP_TOKEN est défini, sinon HTTP sur PORT "
        "(POST /slack/events, GET /healthz). Lance aussi le planificateur des récapitulatifs.",
    )
    run.add_argument(
        "--port", type=int, default=None, help="port HTTP (par défaut : PORT, ou 3000 ; 0 : un port libre)"
    )
    run.add_argument("--host", default="0.0.0.0", help="adresse d'écoute HTTP (par défaut : 0.0.0.0)")
    run.add_argument(
        "--no-scheduler", action="store_true", help="ne pas lancer le planificateur des récapitulatifs"
    )
    run.set_defaults(func=run_server)


def run_server(args: argparse.Namespace) -> int:
    # The log on stdout; stderr is kept for the one `Erreur : …` line of a start-up that fails.
    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s : %(message)s"
    )
    settings = load_settings()
    settings.require_bot_token()  # both checked before anything is opened
    if not settings.socket_mode:
        settings.require_signing_secret()
    port = settings.port if args.port is None else args.port
    if not 0 <= port < 65536:
        raise UsageError(f"Port invalide : {port} (de 1 à 65535, ou 0 pour un port libre quelconque).")
    runtime = slack_runtime(settings, host=args.host, port=port, scheduler=not args.no_scheduler)
    runtime.run()
    return 0


def slack_runtime(settings: Settings, *, host: str, port: int, scheduler: bool) -> "Runtime":
    """What `ror-bot run` starts to serve Slack, in order: the store (first opened, last closed), Slack
    (its token checked), the worker processes, the scheduler, then the server. More components (e.g. a
    local playground) can be added to the runtime before it runs."""
    from bot.app import connect_app
    from bot.context import AppContext, StoreClosing
    from bot.notifications.scheduler import DigestScheduler
    from bot.runtime import Runtime
    from bot.server import HttpServer, SocketModeServer
    from bot.worker import WorkerPool

    forget_slack_secrets_in_environment()
    context = AppContext.start(settings)
    runtime = Runtime()
    runtime.add(StoreClosing(context))
    app = connect_app(context)
    if settings.ror_background_workers:
        runtime.add(WorkerPool(context, workers=settings.ror_background_workers))
    if scheduler:
        runtime.add(DigestScheduler(context))
    runtime.add(
        SocketModeServer(app, context)
        if settings.socket_mode
        else HttpServer(app, context, host=host, port=port)
    )
    return runtime


SLACK_SECRETS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


def forget_slack_secrets_in_environment() -> None:
    """Once the settings hold them: Bolt reads SLACK_BOT_TOKEN from the environment again on its own and
    warns that it ignores it (« As you gave `client` as well, `token` will be unused »: the app is given
    a configured client), and no child process needs them (workers get the settings)."""
    for variable in SLACK_SECRETS:
        os.environ.pop(variable, None)
