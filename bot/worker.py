"""Inside a worker process of bot.background: a Bolt app of its own (bot.app.build_app, `in_worker`) acts
on the requests the serving process has verified and acknowledged, and runs the `Task`s queued with
bot.after_ack.later.

Each worker opens its own store and runs at a lower OS priority than the serving process, whose first
job is to acknowledge. Workers leave signals to the serving process, which stops them in order; should
it die without doing so (SIGKILL), they notice and exit: no worker outlives it."""

import logging
import os
import signal
import sys
import threading
import time

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from bot.after_ack import run_task
from bot.app import build_app
from bot.background import BackgroundWork, Job, RequestJob, WorkerEntry
from bot.context import AppContext
from bot.settings import Settings
from bot.slack_client import web_client

logger = logging.getLogger(__name__)

# Lower priority than the serving process: acknowledging comes first.
WORKER_NICENESS = 19
PARENT_CHECK_SECONDS = 1.0
# A worker opens its store and imports the app: a few seconds, more on a busy machine.
READY_SECONDS = 60.0


class _Worker:
    """What `start` prepared for the jobs of this process."""

    context: AppContext
    app: App
    client: WebClient


def start(settings: Settings) -> None:
    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s : %(message)s"
    )
    # Ctrl-C reaches the whole process group, systemd's SIGTERM the whole unit: the serving process
    # decides when its workers stop (after their jobs), not the signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _exit_with(os.getppid())
    os.nice(WORKER_NICENESS)
    _Worker.context = AppContext.start(settings)
    _Worker.client = web_client(settings)
    # The serving process has checked Slack's token already (auth.test) and verifies every signature.
    _Worker.app = build_app(_Worker.context, client=_Worker.client, verify_token=False, in_worker=True)


def _exit_with(parent: int) -> None:
    """Exit as soon as `parent` is gone (the worker is then adopted by another process)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="surveillance-serveur", daemon=True).start()


def run(job: Job) -> None:
    if isinstance(job, RequestJob):
        # As the serving process would have acted on it: same pipeline, same error handler; the HTTP
        # answer Bolt builds here goes nowhere (Slack has had its ack).
        request = BoltRequest(body=job.body, headers={"content-type": job.content_type}, mode="http")
        _Worker.app.dispatch(request)
        return
    run_task(job, ror=_Worker.context, client=_Worker.client)


ENTRY = WorkerEntry(start=start, run=run)


def background_work(settings: Settings, *, workers: int) -> BackgroundWork:
    """Worker processes acting on requests and running tasks after their ack."""
    return BackgroundWork(settings, workers=workers, entry=ENTRY)


class WorkerPool:
    """The runtime component: the workers started, and ready, before the server listens."""

    name = "processus de travail"

    def __init__(self, context: AppContext, *, workers: int) -> None:
        self.context = context
        self.workers = workers

    def start(self) -> None:
        work = background_work(self.context.settings, workers=self.workers)
        if work.wait_ready(timeout=READY_SECONDS):
            self.context.background = work
            logger.info("%d processus de travail prêts", self.workers)
            return
        logger.error("Processus de travail non démarrés : le serveur traitera lui-même les commandes")
        work.shutdown(deadline=time.monotonic() + 10)

    def stop(self, *, deadline: float) -> None:
        work, self.context.background = self.context.background, None
        if work is not None:
            work.shutdown(deadline=deadline)
