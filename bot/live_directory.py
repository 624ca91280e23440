"""Live lookups in the ROR national's directory, within the time a Slack interaction can wait.

A modal's submission must be answered within 3 seconds and a `trigger_id` opens a modal only within 3
seconds: `WithinDeadline` stops waiting for the fetch after a few seconds and says so; the fetch goes on in
a background thread and keeps what it finds, so asking again a moment later finds the resource here."""

from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout

from domain.catalogue import ResourceKind
from domain.errors import RorNationalUnavailable
from domain.ports import LiveLookup


class WithinDeadline:
    """A `LiveLookup` that waits at most `seconds` for another one."""

    def __init__(self, live: LiveLookup, *, seconds: float, executor: Executor) -> None:
        self.live = live
        self.seconds = seconds
        self.executor = executor

    def bring_in(self, kind: ResourceKind, resource_id: str) -> bool:
        future = self.executor.submit(self.live.bring_in, kind, resource_id)
        try:
            return future.result(timeout=self.seconds)
        except FutureTimeout:
            raise RorNationalUnavailable(
                f"il n'a pas répondu dans les {self.seconds:g} s qu'une action Slack peut attendre ; "
                "la recherche continue en arrière-plan"
            ) from None
