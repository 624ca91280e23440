"""What every entry point (Slack, CLI, scheduler, notebook) shares once started: settings, store, clock."""

from dataclasses import dataclass, field

from bot.settings import Settings
from domain.clock import SystemClock
from domain.ports import Clock
from storage import Store, open_store
from storage.uow import SqlUnitOfWork


@dataclass
class AppContext:
    settings: Settings
    store: Store
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def start(cls, settings: Settings | None = None) -> "AppContext":
        settings = settings or Settings()
        return cls(settings=settings, store=open_store(settings.database_url))

    def uow(self) -> SqlUnitOfWork:
        return self.store.uow()

    @property
    def system(self) -> str:
        return self.settings.ror_system_name
