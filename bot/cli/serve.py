"""`ror-bot run`: serve Slack (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT), or the
playground when there is no Slack token; as a runtime (bot.runtime) of components started in order."""

import argparse
import logging
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from bot.cli.parser import UsageError, bounded_int
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.runtime import Component, Runtime


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    run = subparsers.add_parser(
        "run",
        help="servir l'app Slack (Socket Mode si SLACK_APP_TOKEN est défini, sinon HTTP sur PORT)",
        description="Sert l'app Slack : Socket Mode si SLACK_APP_TOKEN est défini, sinon HTTP sur PORT "
        "(POST /slack/events, GET /healthz). Lance aussi le planificateur des récapitulatifs. "
        "SIGTERM ou Ctrl-C l'arrête proprement (requêtes en cours terminées).",
        epilog="exemples :\n  SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… ror-bot run --port 3000\n"
        "  SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… ror-bot run\n"
        "  ror-bot run --no-scheduler       # une instance de plus derrière le répartiteur",
    )
    run.add_argument(
        "--port",
        type=bounded_int("le port", low=0, high=65535),
        default=None,
        help="port HTTP (par défaut : PORT, ou 3000 ; 0 : un port libre, que le journal indique)",
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


def run_server(args: argparse.Namespace) -> int:
    # The log on stdout; stderr is kept for the one `Erreur : …` line of a start-up that fails.
    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s : %(message)s"
    )
    settings = Settings()
    port = settings.port if args.port is None else args.port
    if not 0 <= port < 65536:
        raise UsageError(f"Port invalide : {port} (de 1 à 65535, ou 0 pour un port libre quelconque).")
    playground = None
    if args.playground or settings.slack_bot_token is None:  # real Slack credentials take precedence
        if port == 0:
            raise UsageError("Le bac à sable a besoin d'un port HTTP fixe (PORT ou --port, pas 0).")
        playground = start_playground(settings, app_port=port, playground_port=args.playground_port)
        settings = playground.settings
    settings.require_bot_token()  # both checked before anything is opened
    if not settings.socket_mode:
        settings.require_signing_secret()
    runtime = slack_runtime(
        settings, host=args.host, port=port, scheduler=not args.no_scheduler, first=playground
    )
    runtime.run()
    return 0


def slack_runtime(
    settings: Settings, *, host: str, port: int, scheduler: bool, first: "Component | None" = None
) -> "Runtime":
    """What `ror-bot run` starts to serve Slack, in order: `first` (e.g. the playground, stopped last), the
    store (opened first, closed last), Slack (its token checked), the worker processes, the scheduler,
    then the server. More components can be added to the runtime before it runs."""
    from bot.app import connect_app
    from bot.context import AppContext, StoreClosing
    from bot.notifications.scheduler import DigestScheduler
    from bot.runtime import Runtime
    from bot.server import HttpServer, SocketModeServer
    from bot.worker import WorkerPool

    forget_slack_secrets_in_environment()
    try:
        context = AppContext.start(settings)
        try:
            app = connect_app(context)
        except BaseException:
            context.store.dispose()
            raise
    except BaseException:
        if first is not None:  # started already: the runtime that would stop it will not run
            first.stop(deadline=time.monotonic() + 10)
        raise
    runtime = Runtime()
    if first is not None:
        runtime.add(first)
    runtime.add(StoreClosing(context))
    if settings.ror_background_workers:
        runtime.add(WorkerPool(context, workers=settings.ror_background_workers))
    if scheduler:
        runtime.add(DigestScheduler(context))
    server = (
        SocketModeServer(app, context)
        if settings.socket_mode
        else HttpServer(app, context, host=host, port=port)
    )
    runtime.add(server)
    return runtime


SLACK_SECRETS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


def forget_slack_secrets_in_environment() -> None:
    """Once the settings hold them: Bolt reads SLACK_BOT_TOKEN from the environment again on its own and
    warns that it ignores it (« As you gave `client` as well, `token` will be unused »: the app is given
    a configured client), and no child process needs them (workers get the settings)."""
    for variable in SLACK_SECRETS:
        os.environ.pop(variable, None)


class PlaygroundComponent:
    """The playground (devtools.playground: a fake Slack and its page) as a runtime component: started
    before the app (the app must speak to its fake Slack), stopped after it."""

    name = "bac à sable"

    def __init__(self, playground: Any) -> None:
        self.playground = playground
        self.settings: Settings = playground.settings

    def start(self) -> None:
        """Already started: the app's settings come from it."""

    def stop(self, *, deadline: float) -> None:  # noqa: ARG002 - closing local servers does not wait
        self.playground.stop()


def start_playground(
    settings: Settings, *, app_port: int, playground_port: int | None
) -> PlaygroundComponent:
    from devtools.playground import start_playground as start

    return PlaygroundComponent(start(settings, app_port=app_port, port=playground_port))
