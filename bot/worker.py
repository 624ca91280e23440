"""Inside a worker process of bot.background: the router's subcommands and a Web API client, no Bolt app.

Each worker opens its own store and runs at a lower OS priority than the serving process, whose first
job is to acknowledge."""

import logging
import os

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.background import BackgroundWork, CommandJob, WorkerEntry
from bot.context import AppContext
from bot.errors import user_message
from bot.listeners.commands import run_job
from bot.router import Router
from bot.routes import build_router
from bot.settings import Settings
from bot.slack_client import web_client

# Lower priority than the serving process: acknowledging comes first.
WORKER_NICENESS = 10


class _Worker:
    """What `start` prepared for the jobs of this process."""

    context: AppContext
    router: Router
    client: WebClient


def start(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s : %(message)s")
    os.nice(WORKER_NICENESS)
    _Worker.context = AppContext.start(settings)
    _Worker.router = build_router()
    _Worker.client = web_client(settings)


def run(job: CommandJob) -> None:
    respond = Respond(response_url=job.command.get("response_url"))
    try:
        run_job(job, router=_Worker.router, ror=_Worker.context, client=_Worker.client, respond=respond)
    except Exception as error:  # the worker's equivalent of the app's one error handler
        respond(text=user_message(error), response_type="ephemeral", replace_original=False)


ENTRY = WorkerEntry(start=start, run=run)


def background_work(settings: Settings, *, workers: int) -> BackgroundWork:
    """Worker processes running the subcommands of `bot.routes.build_router`."""
    return BackgroundWork(settings, workers=workers, entry=ENTRY)
