"""Reading the next page of a pull while the caller stores the current one.

A page costs the ROR national's answer, the FHIR validation of up to 200 Tasks and their reading; storing
it costs the database's round trips and commit. Both wait on I/O part of the time (the network, the
disk), so a reader thread one page ahead keeps both busy. Pages are still handed out in order, one at a
time; only the next one is read in advance (memory stays one page), and a failure of the ROR national is
raised where the page it cut short would have been handed out, so the caller's page-by-page guarantees
(a page stored whole, the watermark moved with the last one) are unchanged.

`PullInProcess` does the same with a child process instead of a thread, so that reading and storing each
have a core (one Python thread at a time runs Python code)."""

import multiprocessing
import pickle
import queue
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from domain.catalogue import ResourceKind
from domain.habilitation import Perimeter
from domain.ports import RorNational
from domain.rornational import RemoteTask, Submitted, TaskDraft, TaskPage, Watermark
from domain.statuses import Status
from rornational.config import RorConnection

if TYPE_CHECKING:
    from rornational.client import FhirRorNational

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


class PullInProcess:
    """`client`, whose `changed_since` runs in a child process: the child fetches, validates and reads
    the pages (the costly part, about two thirds of a synced Task's CPU) while this process stores them,
    each on its own core. The pages come through a pipe in order; the child is at most about one page
    ahead (it blocks on a full pipe), so memory stays flat. A failure of the ROR national in the child is
    raised here, as the same error with the same French message, where the page it cut short would have
    been handed out. One child serves every pull of the sync (one token, one Python start: about half a
    second, which is why the scheduler's frequent small pulls keep `ReadAhead`'s thread); it is stopped
    when a caller stops a pull early, and by `close` (use as a context manager)."""

    def __init__(self, client: "FhirRorNational") -> None:
        self.client = client
        self._child: BaseProcess | None = None
        self._pipe: Connection | None = None

    def changed_since(self, since: Watermark | None, *, scope: Perimeter) -> Iterator[TaskPage]:
        pipe = self._started()
        pipe.send((since, scope))
        finished = False
        try:
            while True:
                try:
                    kind, value = pickle.loads(pipe.recv_bytes())
                except EOFError:
                    raise RuntimeError(
                        "Le processus qui lisait les pages du ROR national s'est arrêté sans finir."
                    ) from None
                if kind == "end":
                    finished = True
                    return
                if kind == "error":
                    finished = True
                    raise _rebuilt(value)
                yield value
        finally:
            if not finished:  # stopped part-way: the child may still be sending this pull's pages
                self.close()

    @property
    def child_pid(self) -> int | None:
        """The running child's process id (its memory is part of the sync's)."""
        return self._child.pid if self._child is not None and self._child.is_alive() else None

    def _started(self) -> Connection:
        if self._pipe is None or self._child is None or not self._child.is_alive():
            self.close()
            context = multiprocessing.get_context("spawn")  # never fork a process that may hold threads
            ours, theirs = context.Pipe()
            child = context.Process(
                target=_serve_pulls,
                args=(self.client.http.connection, theirs),
                name="ror-sync-pull",
                daemon=True,  # never outlives this process
            )
            child.start()
            theirs.close()  # only the child holds its end now: EOF here when it is gone
            self._child, self._pipe = child, ours
        return self._pipe

    def close(self) -> None:
        child, pipe = self._child, self._pipe
        self._child = self._pipe = None
        if pipe is not None:
            pipe.close()  # the child's next read or write fails, and it ends
        if child is not None:
            child.join(timeout=2.0)
            if child.is_alive():
                child.terminate()
                child.join(timeout=5.0)

    def __enter__(self) -> "PullInProcess":
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def submit(self, draft: TaskDraft) -> Submitted:
        return self.client.submit(draft)

    def get(self, task_id: str) -> RemoteTask:
        return self.client.get(task_id)

    def find_by_focus(self, kind: ResourceKind, resource_id: str) -> list[RemoteTask]:
        return self.client.find_by_focus(kind, resource_id)

    def set_status(self, task_id: str, status: Status, *, version: str | None = None) -> Submitted:
        return self.client.set_status(task_id, status, version=version)


_Error = tuple[type[BaseException], tuple[object, ...], dict[str, object]]


def _serve_pulls(connection: RorConnection, pipe: Connection) -> None:
    """The child: for each (since, scope) asked, the pull's pages then ("end", None), or ("error", …) for
    the failure that stopped it; until its parent closes the pipe."""
    import gc
    import signal

    from rornational.client import connect

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops this child
    gc.freeze()  # the loaded modules live as long as the child (see `ror-bot ror sync`)
    try:
        with connect(connection) as client:
            while True:
                since, scope = pipe.recv()
                try:
                    for page in client.changed_since(since, scope=scope):
                        pipe.send_bytes(pickle.dumps(("page", page), protocol=pickle.HIGHEST_PROTOCOL))
                    pipe.send_bytes(pickle.dumps(("end", None)))
                except (BrokenPipeError, ConnectionResetError):
                    raise  # the pipe: the parent is gone or stopped this pull
                except Exception as error:  # handed to the parent, raised there
                    pipe.send_bytes(_pickled_error(error))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the parent closed the pipe: done
    finally:
        pipe.close()


def _pickled_error(error: Exception) -> bytes:
    state: _Error = (type(error), error.args, dict(vars(error)))
    try:
        return pickle.dumps(("error", state))
    except Exception:  # an attribute that does not pickle: its message is enough
        return pickle.dumps(("error", (RuntimeError, (str(error),), {})))


def _rebuilt(state: _Error) -> BaseException:
    """The child's exception, without calling its constructor (errors take their own arguments, not
    their message)."""
    kind, args, attributes = state
    error = kind.__new__(kind)
    error.args = args
    vars(error).update(attributes)
    return error
