"""Work after the ack, in worker processes (`ror-bot run`, ROR_BACKGROUND_WORKERS, default 2).

Python threads share one interpreter lock: under load, listings, Web API calls and database writes running
after their ack starve the threads that still have to acknowledge new requests, and Slack gives up after
3 seconds. So the serving process only verifies the signature, works out what the ack itself carries and
acknowledges; everything else runs in worker processes at a lower OS priority:

- `RequestJob`: a whole request once acknowledged (a `/ror` command, a click, an event), acted on by the
  worker's own Bolt app exactly as the serving process would have (replay check, users.info, member,
  listener, error handler). bot.middleware.acting forwards every route that needs nothing of the serving
  process: not modal submissions (their ack carries the answer) nor what opens a modal (its trigger_id
  expires 3 seconds after the click, too soon for a queue).
- `Task`: the part of a listener that follows its ack (a DM, the App Home refreshed, a message updated),
  queued with `bot.after_ack.later`.

A slow answer through the response URL (valid 30 minutes) is better than a missed ack, which Slack shows
as a failure, so the queue is long; beyond `max_pending`, or if the workers die, the work runs in the
serving process as before (nothing is dropped).

This module is the serving side: it knows nothing of what a job does. What runs inside a worker is
given as `WorkerEntry` (bot.worker), so that the listeners, which queue jobs, never import it."""

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from typing import Any

from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RequestJob:
    """A Slack request the serving process has verified and acknowledged, for a worker to act on as if it
    had received it: its raw body and content type (picklable)."""

    body: str
    content_type: str


@dataclass(frozen=True, slots=True)
class Task:
    """Work after an ack that is not a whole request: `run(ror=<AppContext>, client=<WebClient>,
    **kwargs)`, a module-level function (a worker imports it by name), with picklable `kwargs`. Use it
    through `bot.after_ack.later`; `what` names it in the log if it fails."""

    run: Callable[..., None]
    kwargs: dict[str, Any]
    what: str


Job = RequestJob | Task


@dataclass(frozen=True, slots=True)
class WorkerEntry:
    """What a worker process runs: `start(settings)` once, then `run(job)` per job. Both must be
    module-level functions (the spawned processes import them by name)."""

    start: Callable[[Settings], None]
    run: Callable[[Job], None]


class BackgroundWork:
    def __init__(
        self, settings: Settings, *, workers: int, entry: WorkerEntry, max_pending: int = 2000
    ) -> None:
        spawn = multiprocessing.get_context("spawn")
        # Every worker waits at this barrier once started: `wait_ready` knows when all of them are.
        started = spawn.Barrier(workers)
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=spawn,
            initializer=_start_worker,
            initargs=(entry.start, settings, started),
        )
        self._run = entry.run
        self._slots = threading.BoundedSemaphore(max_pending)
        # Start the workers now rather than on the first command, which would wait for their start-up:
        # one `_ready` per worker, each held at the barrier until every worker has started.
        self._ready: list[Future[int]] = [self._pool.submit(_ready) for _ in range(workers)]

    def wait_ready(self, timeout: float) -> bool:
        """True once every worker has started (opened its store, built its router); False if one could
        not (the work then runs in the serving process) or `timeout` ran out."""
        done, pending = wait(self._ready, timeout=timeout)
        return not pending and all(future.exception() is None for future in done)

    def submit(self, job: Job, *, fallback: Callable[[], None]) -> bool:
        """Queue `job`; False when the queue is full (the caller then runs it itself). `fallback` runs
        the job here, in a thread of its own, if its worker dies before doing it."""
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
            logger.error("Processus de travail perdu : le serveur fait le travail lui-même", exc_info=error)
            # Not in the pool's own thread, which must go on collecting the other jobs' results.
            threading.Thread(target=fallback, name="travail-repris", daemon=True).start()
        elif error is not None:
            logger.error("Tâche de fond en échec", exc_info=error)

    def shutdown(self, *, deadline: float | None = None) -> None:
        """Let the queued jobs finish, then stop the workers; by `deadline` (a `time.monotonic()` value)
        whatever still runs is terminated, so no worker outlives the serving process."""
        if deadline is None:
            self._pool.shutdown(wait=True, cancel_futures=False)
            return
        done = threading.Event()

        def shut_down() -> None:
            self._pool.shutdown(wait=True)
            done.set()

        threading.Thread(target=shut_down, name="arret-processus-de-travail", daemon=True).start()
        if done.wait(timeout=max(0.0, deadline - time.monotonic())):
            return
        logger.warning("Processus de travail encore occupés à l'arrêt : ils sont interrompus")
        ours = {f.result() for f in self._ready if f.done() and f.exception() is None}
        stragglers = [p for p in multiprocessing.active_children() if p.pid in ours]
        for process in stragglers:
            process.kill()  # workers ignore SIGTERM: the serving process decides
        for process in stragglers:
            process.join(timeout=5)


# --- inside a worker process ------------------------------------------------------------------------

_started: dict[str, Barrier] = {}
READY_SECONDS = 120.0


def _start_worker(start: Callable[[Settings], None], settings: Settings, started: Barrier) -> None:
    _started["barrier"] = started
    start(settings)


def _ready() -> int:
    """Held until every worker has started (each runs one of these): then the pool is complete. Returns
    this worker's process id."""
    _started["barrier"].wait(timeout=READY_SECONDS)
    return os.getpid()
