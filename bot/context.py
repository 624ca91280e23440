"""What every entry point (Slack, CLI, scheduler, notebook) shares once started: settings, store, clock."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.settings import Settings, Surface
from domain.clock import SystemClock
from domain.ports import Clock
from storage import Store, open_store
from storage.uow import SqlUnitOfWork

if TYPE_CHECKING:
    from bot.background import BackgroundWork


@dataclass
class AppContext:
    settings: Settings
    store: Store
    clock: Clock = field(default_factory=SystemClock)
    # Worker processes for slash-command work after the ack (`ror-bot run`); None: in-process threads.
    background: "BackgroundWork | None" = None
    # Who acts: names the *Système déclarant* of what this context writes.
    surface: Surface = Surface.SLACK

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
