"""Slash-command work done after the ack, in worker processes.

Python threads share one interpreter lock: under load, listings and exports running after their ack
starve the threads that still have to acknowledge new requests, and Slack gives up after 3 seconds.
Worker processes at a lower OS priority do that work instead, so the serving process only checks
signatures, resolves the member and acknowledges. A slow answer through the response URL (valid 30
minutes) is better than a missed ack, which Slack shows as a failure, so the queue is long; beyond
`max_pending`, or if the workers die, the work runs in the serving process as before (nothing is
dropped)."""

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond

from bot.settings import Settings

logger = logging.getLogger(__name__)

# Lower priority than the serving process: acknowledging comes first.
WORKER_NICENESS = 10


@dataclass(frozen=True, slots=True)
class CommandJob:
    """Everything a worker needs to run one `/ror` subcommand after its ack (picklable)."""

    name: str
    text: str
    command: dict[str, Any]
    email: str | None


class BackgroundWork:
    def __init__(self, settings: Settings, *, workers: int, max_pending: int = 2000) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(settings,),
        )
        self._slots = threading.BoundedSemaphore(max_pending)
        # Start the workers now rather than on the first command, which would wait for their start-up.
        for _ in range(workers):
            self._pool.submit(_ready)

    def submit(self, job: CommandJob, *, fallback: Callable[[], None]) -> bool:
        """Queue `job`; False when the queue is full (the caller then runs it itself). `fallback` runs
        the job here if its worker dies before answering."""
        if not self._slots.acquire(blocking=False):
            return False
        try:
            future = self._pool.submit(_run_job, job)
        except RuntimeError:  # pool shut down or broken
            self._slots.release()
            return False
        future.add_done_callback(lambda done: self._done(done, fallback))
        return True

    def _done(self, future: "Future[None]", fallback: Callable[[], None]) -> None:
        self._slots.release()
        error = future.exception()
        if isinstance(error, BrokenExecutor):
            logger.error(
                "Processus de travail perdu : la commande est traitée par le serveur", exc_info=error
            )
            fallback()
        elif error is not None:
            logger.error("Tâche de fond en échec", exc_info=error)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


# --- inside a worker process ------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _start_worker(settings: Settings) -> None:
    from bot.app import build_app
    from bot.context import AppContext

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s : %(message)s")
    os.nice(WORKER_NICENESS)
    context = AppContext.start(settings)
    app = build_app(context, verify_token=False)  # registers every subcommand handler here too
    _worker["context"] = context
    _worker["client"] = app.client


def _ready() -> None:
    """Nothing: submitted once per worker so that the pool starts them at once."""


def _run_job(job: CommandJob) -> None:
    from bot.errors import user_message
    from bot.listeners.commands import run_job

    respond = Respond(response_url=job.command.get("response_url"))
    try:
        run_job(job, ror=_worker["context"], client=_worker["client"], respond=respond)
    except Exception as error:  # the worker's equivalent of the app's one error handler
        respond(text=user_message(error), response_type="ephemeral", replace_original=False)
