"""Slash-command work done after the ack, in worker processes.

Python threads share one interpreter lock: under load, listings and exports running after their ack
starve the threads that still have to acknowledge new requests, and Slack gives up after 3 seconds.
Worker processes at a lower OS priority do that work instead, so the serving process only checks
signatures, resolves the member and acknowledges. A slow answer through the response URL (valid 30
minutes) is better than a missed ack, which Slack shows as a failure, so the queue is long; beyond
`max_pending`, or if the workers die, the work runs in the serving process as before (nothing is
dropped).

This module is the serving side: it knows nothing of what a job does. What runs inside a worker is
given as `WorkerEntry` (bot.worker), so that the listeners, which queue jobs, never import it."""

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CommandJob:
    """Everything a worker needs to run one `/ror` subcommand after its ack (picklable)."""

    name: str
    text: str
    command: dict[str, Any]
    email: str | None


@dataclass(frozen=True, slots=True)
class WorkerEntry:
    """What a worker process runs: `start(settings)` once, then `run(job)` per job. Both must be
    module-level functions (the spawned processes import them by name)."""

    start: Callable[[Settings], None]
    run: Callable[[CommandJob], None]


class BackgroundWork:
    def __init__(
        self, settings: Settings, *, workers: int, entry: WorkerEntry, max_pending: int = 2000
    ) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=entry.start,
            initargs=(settings,),
        )
        self._run = entry.run
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
            future = self._pool.submit(self._run, job)
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


def _ready() -> None:
    """Nothing: submitted once per worker so that the pool starts them at once."""
