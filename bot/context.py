"""What every entry point (Slack, CLI, scheduler, notebook) shares once started: settings, store, clock."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.live_directory import WithinDeadline
from bot.settings import Settings, Surface
from domain.clock import SystemClock
from domain.ports import Clock, LiveLookup, RorDirectory
from domain.services.directory_live import LiveDirectory
from storage import Store, open_store
from storage.uow import SqlUnitOfWork

if TYPE_CHECKING:
    from bot.background import BackgroundWork

# A Slack modal submission is answered within 3 s, and a trigger_id opens a modal within 3 s: a resource
# fetched live from the ROR national is waited for this long there (then the fetch goes on unattended).
SLACK_LIVE_WAIT_SECONDS = 2.0


@dataclass
class AppContext:
    settings: Settings
    store: Store
    clock: Clock = field(default_factory=SystemClock)
    # Worker processes for slash-command work after the ack (`ror-bot run`); None: in-process threads.
    background: "BackgroundWork | None" = None
    # Who acts: names the *Système déclarant* of what this context writes.
    surface: Surface = Surface.SLACK
    slack_live_wait: float = SLACK_LIVE_WAIT_SECONDS
    _directory: RorDirectory | None = field(default=None, init=False, repr=False)
    _fetches: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def start(cls, settings: Settings | None = None, *, surface: Surface = Surface.SLACK) -> "AppContext":
        """Settings read, store opened in ROR_TIMEZONE (the days of the `du=` / `au=` filters)."""
        settings = settings or Settings()
        store = open_store(settings.database_url, timezone=settings.ror_timezone)
        return cls(settings=settings, store=store, surface=surface)

    def uow(self) -> SqlUnitOfWork:
        return self.store.uow()

    @property
    def system(self) -> str:
        return self.settings.system_name(self.surface)

    def directory_client(self) -> RorDirectory:
        """The ROR national's directory (connected mode), connected on first use in this process."""
        with self._lock:
            if self._directory is None:
                from rornational.client import connect  # the HTTP stack is loaded only when connected

                self._directory = connect(self.settings.ror_connection())
            return self._directory

    def live_directory(self, *, for_slack: bool = False) -> LiveLookup | None:
        """Where lookups find the structures and offers our directory does not hold yet: the ROR national's
        directory when connected, nowhere (None) when standalone. `for_slack`: waited for at most
        `slack_live_wait` seconds."""
        if not self.settings.connected:
            return None
        live = LiveDirectory(
            source=self.directory_client(), uow=self.uow, clock=self.clock, system=self.system
        )
        if not for_slack:
            return live
        with self._lock:
            if self._fetches is None:
                self._fetches = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ror-live-fetch")
            executor = self._fetches
        return WithinDeadline(live, seconds=self.slack_live_wait, executor=executor)
