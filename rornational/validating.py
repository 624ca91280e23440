"""FHIR R4 validation of received Tasks, spread over processes for long pulls.

Validating a Task with `fhir.resources` costs about a millisecond of one core (issue 11 item 7 measured
1.2 ms per Task under load, against 0.1 ms to store it): a national pull of a million Tasks is bound by it.
Python threads share one interpreter, so the validation of a page runs in a worker process while the
caller fetches the next pages and stores the previous ones. Every Task is still validated, once, by the
same `tasks_in` as inline; only where it runs changes. The pool starts at a pull's second page, so a sync
that finds one page of changes (the usual case) never pays for starting processes.

Off by default (`connect(..., validators=0)`): on the 2-core development machine under load the worker
brought nothing (docs/ror-sync.md, « Speed »), the cores being already busy; `benchmarks.sync
--validators N` measures it on a machine with cores to spare."""

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from threading import Lock

from domain.rornational import RemoteTask, UnreadableTask
from rornational.models import Json, tasks_in

Validated = tuple[list[RemoteTask], list[UnreadableTask]]


def _validate(bodies: list[Json], region: str | None) -> Validated:
    return tasks_in(bodies, region=region)


class PageValidator:
    """Validates and reads a page's Task bodies, inline (`workers=0`) or in a pool of worker processes."""

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = Lock()

    def inline(self, bodies: list[Json], *, region: str | None) -> Validated:
        return tasks_in(bodies, region=region)

    def submit(self, bodies: list[Json], *, region: str | None) -> "Future[Validated]":
        """The page validated, as a future: in a worker when there is a pool, else already done here."""
        if self.workers <= 0:
            done: Future[Validated] = Future()
            try:
                done.set_result(tasks_in(bodies, region=region))
            except BaseException as error:  # handed to whoever waits for the page
                done.set_exception(error)
            return done
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the caller has threads (read-ahead, the HTTP pool, the scheduler)
                self._pool = ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("spawn")
                )
            pool = self._pool
        return pool.submit(_validate, bodies, region)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
