"""What every entry point (Slack, CLI, scheduler, notebook) shares once started: settings, store, clock."""

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from bot.live_directory import WithinDeadline
from bot.settings import ConfigurationError, Settings, Surface
from domain.clock import SystemClock
from domain.ports import Clock, LiveLookup, RorDirectory, RorNational
from domain.ror_journal import RetryPolicy
from domain.services.directory_live import LiveDirectory
from domain.services.ror_sending import Sender
from rornational.config import CONNECT_TIMEOUT
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
    _national: RorNational | None = field(default=None, init=False, repr=False)
    _fetches: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def start(cls, settings: Settings | None = None, *, surface: Surface = Surface.SLACK) -> "AppContext":
        """Settings read, store opened in ROR_TIMEZONE (the days of the `du=` / `au=` filters)."""
        settings = settings or Settings()
        store = open_database(settings.database_url, timezone=settings.ror_timezone)
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

    def ror_national(self) -> RorNational | None:
        """The ROR national's anomaly API when connected (its calls bounded by ROR_TIMEOUT_SECONDS), None
        when standalone; connected on first use in this process."""
        if not self.settings.connected:
            return None
        with self._lock:
            if self._national is None:
                from rornational.client import connect  # the HTTP stack is loaded only when connected

                timeout = self.settings.ror_timeout_seconds
                connection = dataclasses.replace(
                    self.settings.ror_connection(),
                    read_timeout=timeout,
                    connect_timeout=min(timeout, CONNECT_TIMEOUT),
                )
                self._national = connect(connection)
            return self._national

    def ror_sender(self) -> Sender | None:
        """What sends the journal to the ROR national (connected mode), None when standalone."""
        national = self.ror_national()
        if national is None:
            return None
        settings = self.settings
        retry = RetryPolicy(
            base=timedelta(seconds=settings.ror_retry_seconds),
            ceiling=timedelta(seconds=max(settings.ror_retry_seconds, settings.ror_retry_max_seconds)),
        )
        return Sender(ror=national, uow=self.uow, clock=self.clock, retry=retry)

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


def open_database(url: str, *, timezone: str) -> Store:
    """The store of DATABASE_URL, its schema brought up to date; ConfigurationError saying why not."""
    try:
        return open_store(url, timezone=timezone)
    except (SQLAlchemyError, OSError, ImportError) as error:
        raise ConfigurationError(database_problem(url, error)) from error


def shown_url(url: str) -> str:
    """DATABASE_URL as it can be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(adresse illisible)"


def database_problem(url: str, error: BaseException) -> str:
    if url.startswith("postgres://"):
        return (
            "DATABASE_URL commence par « postgres:// », que SQLAlchemy ne connaît pas : écrivez "
            "« postgresql+psycopg://utilisateur@hôte:5432/base »."
        )
    if isinstance(error, ImportError):
        return (
            f"DATABASE_URL ({shown_url(url)}) demande un pilote qui n'est pas installé ({error.name}) : "
            "seuls SQLite (sqlite:///…) et PostgreSQL (postgresql+psycopg://…) sont pris en charge."
        )
    if isinstance(error, ArgumentError | NoSuchModuleError):
        return _sentence(
            f"DATABASE_URL n'est pas une adresse de base de données utilisable : {_first_line(error)}"
        )
    detail = _first_line(error.orig if isinstance(error, OperationalError) and error.orig else error)
    if "does not exist" in detail and "database" in detail:
        name = make_url(url).database or ""
        return (
            f"La base de données « {name} » de DATABASE_URL ({shown_url(url)}) n'existe pas : créez-la "
            f"(createdb {name}) ou corrigez DATABASE_URL."
        )
    return _sentence(f"La base de données de DATABASE_URL ({shown_url(url)}) est injoignable : {detail}")


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def _first_line(error: BaseException) -> str:
    """The gist of a driver's message: its first lines, whitespace squeezed, without SQLAlchemy's links."""
    text = str(error).split("(Background on this error", 1)[0]
    lines = [" ".join(line.split()) for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[:2]).rstrip(".") or type(error).__name__


class StoreClosing:
    """Runtime component: the store, opened before the runtime starts, closed once all else has stopped."""

    name = "base de données"

    def __init__(self, context: AppContext) -> None:
        self.context = context

    def start(self) -> None:
        """Already open (AppContext.start)."""

    def stop(self, *, deadline: float) -> None:  # noqa: ARG002 - closing connections does not wait
        self.context.store.dispose()
