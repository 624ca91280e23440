"""`ror-bot run`: serve Slack (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT)."""

import argparse
import logging

from bot.cli.parser import UsageError, bounded_int
from bot.settings import Settings


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    run = subparsers.add_parser(
        "run",
        help="servir l'app Slack (Socket Mode si SLACK_APP_TOKEN est défini, sinon HTTP sur PORT)",
        description="Sert l'app Slack : Socket Mode si SLACK_APP_TOKEN est défini, sinon HTTP sur PORT "
        "(POST /slack/events, GET /healthz). Lance aussi le planificateur des récapitulatifs.",
        epilog="exemples :\n  SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… ror-bot run --port 3000\n"
        "  SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… ror-bot run\n"
        "  ror-bot run --no-scheduler       # une instance de plus derrière le répartiteur",
    )
    run.add_argument(
        "--port",
        type=bounded_int("le port", low=1, high=65535),
        default=None,
        help="port HTTP (par défaut : PORT, ou 3000)",
    )
    run.add_argument("--host", default="0.0.0.0", help="adresse d'écoute HTTP (par défaut : 0.0.0.0)")
    run.add_argument(
        "--no-scheduler", action="store_true", help="ne pas lancer le planificateur des récapitulatifs"
    )
    run.add_argument(
        "--playground",
        action="store_true",
        help="servir aussi le bac à sable : un Slack simulé dans le navigateur (d'office sans SLACK_BOT_TOKEN)",
    )
    run.add_argument(
        "--playground-port",
        type=int,
        default=None,
        help="port du bac à sable (par défaut : le port HTTP + 1)",
    )
    run.set_defaults(func=run_server)


def with_playground(settings: Settings, args: argparse.Namespace) -> Settings:
    """Start the playground (devtools.playground: a fake Slack and its page, stopped at exit) and return
    the settings the app must run with to speak to it."""
    import atexit

    from devtools.playground import start_playground

    playground = start_playground(settings, app_port=args.port or settings.port, port=args.playground_port)
    atexit.register(playground.stop)
    return playground.settings


def run_server(args: argparse.Namespace) -> int:
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from bot.app import build_app
    from bot.context import AppContext
    from bot.notifications import scheduler
    from bot.server import serve_http, serve_socket_mode
    from bot.worker import background_work

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s : %(message)s")
    settings = Settings()
    if not 0 < (args.port or settings.port) < 65536:
        raise UsageError(f"Port invalide : {args.port or settings.port}.")
    if args.playground or settings.slack_bot_token is None:  # real Slack credentials take precedence
        settings = with_playground(settings, args)
    settings.require_bot_token()  # both checked before anything is opened
    if not settings.socket_mode:
        settings.require_signing_secret()
    context = AppContext.start(settings)
    try:
        app = build_app(context)
    except (BoltError, SlackApiError) as error:
        raise UsageError(
            f"Slack refuse le jeton SLACK_BOT_TOKEN ou n'est pas joignable à {settings.slack_api_url} ({error})."
        ) from error
    if settings.ror_background_workers:
        context.background = background_work(settings, workers=settings.ror_background_workers)
    if not args.no_scheduler:
        scheduler.start(context)
    if settings.socket_mode:
        serve_socket_mode(app, context)
    else:
        serve_http(app, context, host=args.host, port=args.port or settings.port)
    return 0
