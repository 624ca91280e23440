"""Reading the next page of a pull while the caller stores the current one.

A page costs the ROR national's answer, the FHIR validation of up to 200 Tasks and their reading; storing
it costs the database's round trips and commit. Both wait on I/O part of the time (the network, the
disk), so a reader thread one page ahead keeps both busy. Pages are still handed out in order, one at a
time; only the next one is read in advance (memory stays one page), and a failure of the ROR national is
raised where the page it cut short would have been handed out, so the caller's page-by-page guarantees
(a page stored whole, the watermark moved with the last one) are unchanged."""

import queue
import threading
from collections.abc import Iterator

from domain.catalogue import ResourceKind
from domain.habilitation import Perimeter
from domain.ports import RorNational
from domain.rornational import RemoteTask, Submitted, TaskDraft, TaskPage, Watermark
from domain.statuses import Status

_POLL = 0.1  # how often a reader waiting for room checks that the caller still wants pages


class ReadAhead:
    """`source`, whose `changed_since` reads one page ahead in a thread; every other call goes straight
    through."""

    def __init__(self, source: RorNational) -> None:
        self.source = source

    def changed_since(self, since: Watermark | None, *, scope: Perimeter) -> Iterator[TaskPage]:
        ahead: queue.Queue[tuple[str, TaskPage | BaseException | None]] = queue.Queue(maxsize=1)
        stopped = threading.Event()

        def hand(item: tuple[str, TaskPage | BaseException | None]) -> bool:
            while not stopped.is_set():
                try:
                    ahead.put(item, timeout=_POLL)
                    return True
                except queue.Full:
                    continue
            return False

        def read() -> None:
            try:
                for page in self.source.changed_since(since, scope=scope):
                    if not hand(("page", page)):
                        return  # the caller stopped (a crash, an error while storing)
                hand(("end", None))
            except BaseException as error:  # handed to the caller, raised in its thread
                hand(("error", error))

        reader = threading.Thread(target=read, name="ror-sync-read-ahead", daemon=True)
        reader.start()
        try:
            while True:
                kind, value = ahead.get()
                if kind == "end":
                    return
                if isinstance(value, BaseException):
                    raise value
                assert isinstance(value, TaskPage)
                yield value
        finally:
            stopped.set()
            reader.join(timeout=1.0)

    def submit(self, draft: TaskDraft) -> Submitted:
        return self.source.submit(draft)

    def get(self, task_id: str) -> RemoteTask:
        return self.source.get(task_id)

    def find_by_focus(self, kind: ResourceKind, resource_id: str) -> list[RemoteTask]:
        return self.source.find_by_focus(kind, resource_id)

    def set_status(self, task_id: str, status: Status, *, version: str | None = None) -> Submitted:
        return self.source.set_status(task_id, status, version=version)
