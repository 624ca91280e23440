"""Opening a store: the engine with the right settings per database, and the schema brought up to date."""

import sqlite3
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from domain.errors import DatabaseBusy
from storage.repositories.imports import SqlAnomalyImport
from storage.uow import SqlUnitOfWork

MIGRATIONS = Path(__file__).with_name("migrations")
# SQLite has one writer: another one waits for the write lock, then gives up with DatabaseBusy. Scripts,
# the command line and start-up may wait long; a process answering Slack bounds the wait well under Slack's
# 3 seconds (Store.bound_lock_wait), so a lock held by someone else (a long import, a stuck process) is
# told to the user instead of timing out. Writers usually hold the lock for milliseconds.
PATIENT_LOCK_WAIT_MS = 30_000
# /healthz answers within a second: it waits this long for the write lock before calling the base busy.
HEALTH_LOCK_WAIT_MS = 300
SQLITE_CACHE_KB = 16_384
# A PostgreSQL connection idle longer than this is pinged before use (see _ping_idle_connections).
PING_AFTER_IDLE_S = 5.0
_IDLE_SINCE = "ror_idle_since"
# SQLite result codes (low byte of the extended code) meaning "someone else holds the lock".
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


class Health(StrEnum):
    """What /healthz reports about the database."""

    OK = "ok"
    BUSY = "occupée"
    DOWN = "injoignable"


def is_lock_timeout(error: BaseException | None) -> bool:
    """True for SQLite's "database is locked": the wait for another writer ran out."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)


@dataclass
class LockWait:
    """How long this store's SQLite connections wait for a lock; shared by its engines, may be bounded."""

    ms: int = PATIENT_LOCK_WAIT_MS


_APPLIED_WAIT = "ror_busy_timeout_ms"


def _configure_sqlite(engine: Engine, *, immediate: bool, wait: LockWait) -> None:
    # pysqlite's own transaction handling would start transactions lazily and DEFERRED; we take over so a
    # writing unit of work holds the write lock from its first read (no stale-snapshot upgrade failure).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={wait.ms}")
        record.info[_APPLIED_WAIT] = wait.ms
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # 16 MB of page cache per connection (default 2 MB): listing at 1 M anomalies reads index pages
        # from memory instead of asking the OS again on every query (BENCHMARKS.md).
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.info.get(_APPLIED_WAIT) != wait.ms:  # the wait was bounded after this connected
            connection.exec_driver_sql(f"PRAGMA busy_timeout={wait.ms}")
            connection.info[_APPLIED_WAIT] = wait.ms
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        # A lock held too long is a domain outcome the user can act on (retry), not a broken database.
        if is_lock_timeout(context.original_exception):
            raise DatabaseBusy() from context.original_exception


def make_engine(url: str, *, read_only: bool = False, wait: LockWait | None = None) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        lock_wait = wait or LockWait()
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": lock_wait.ms / 1000})
        _configure_sqlite(engine, immediate=not read_only, wait=lock_wait)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    """Pessimistic disconnect handling, but only for connections that sat idle: `pool_pre_ping` costs a
    round trip on every checkout (a tenth of a declaration's round trips, most of an `id=` listing's own
    time). A connection used within PING_AFTER_IDLE_S was answering a moment ago; one that failed meanwhile
    fails its statement, SQLAlchemy invalidates the pool, and the next checkout reconnects."""

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if getattr(dbapi_connection, "broken", False) or getattr(dbapi_connection, "closed", False):
            raise DisconnectionError("connection closed")
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping opened a transaction: the pool hands out idle connections
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str, *, engine: Engine | None = None) -> None:
    """Bring the schema to the latest revision; concurrent callers on PostgreSQL take turns."""
    engine = engine or make_engine(url)
    config = alembic_config(url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(724001)"))
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(724001)"))
                connection.commit()
        return
    if engine.url.database in (None, "", ":memory:"):
        with engine.begin() as connection:  # an in-memory database lives in this engine only
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        return
    # Start-up may wait for the lock, even in a process whose requests may not.
    patient = make_engine(url)
    try:
        with patient.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        patient.dispose()


class Store:
    """An opened database: hands out units of work."""

    def __init__(self, url: str, *, timezone: str = "Europe/Paris", engine: Engine | None = None) -> None:
        self.url = url
        self.lock_wait = LockWait()
        self.engine = engine or make_engine(url, wait=self.lock_wait)
        self.tz = ZoneInfo(timezone)
        # SQLite readers get their own engine whose transactions do not take the write lock. PostgreSQL
        # readers run each statement on its own (autocommit, same pool): under READ COMMITTED every
        # statement of a transaction takes its own snapshot anyway, so a reader sees exactly what it would
        # in a transaction, without the BEGIN and ROLLBACK round trips (a listing is then one round trip).
        self.read_engine: Engine = (
            make_engine(url, read_only=True, wait=self.lock_wait)
            if self.engine.dialect.name == "sqlite"
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # anomaly_names ids seen committed, shared by this store's units of work: a declaration on a
        # structure already named skips the lookup (storage.repositories.anomalies).
        self._names: dict[str, int] = {}
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, tz=self.tz, names=self._names)

    def importer(self) -> SqlAnomalyImport:
        """One transaction of a bulk import of anomalies (domain.services.bulk_import)."""
        return SqlAnomalyImport(self._sessions, tz=self.tz)

    def reader(self) -> SqlUnitOfWork:
        """A unit of work that only reads: on SQLite it does not take the write lock."""
        return SqlUnitOfWork(self._read_sessions, tz=self.tz, read_only=True, names=self._names)

    def bound_lock_wait(self, milliseconds: int) -> None:
        """From now on, wait at most `milliseconds` for SQLite's lock, then give up with DatabaseBusy (a
        process answering Slack, whose answers must leave within 3 seconds)."""
        self.lock_wait.ms = milliseconds

    def is_up_to_date(self) -> bool:
        return current_revision(self.read_engine) == _head()

    def ping(self) -> bool:
        return self.health() is Health.OK

    def health(self) -> Health:
        """Whether the database answers, within a second whatever other connections do: on SQLite,
        reading never waits for a writer, and the write lock is waited for HEALTH_LOCK_WAIT_MS at most."""
        try:
            with self.read_engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            if self.dialect == "sqlite" and not self._sqlite_write_lock_free():
                return Health.BUSY
        except (SQLAlchemyError, sqlite3.Error):
            return Health.DOWN
        return Health.OK

    def _sqlite_write_lock_free(self) -> bool:
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={HEALTH_LOCK_WAIT_MS}")
            try:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("ROLLBACK")
            except sqlite3.OperationalError as error:
                if is_lock_timeout(error):
                    return False
                raise
            finally:
                connection.info.pop(_APPLIED_WAIT, None)  # the next transaction sets the store's wait again
            return True
        finally:
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def open_store(url: str, *, timezone: str = "Europe/Paris", upgrade_schema: bool = True) -> Store:
    store = Store(url, timezone=timezone)
    if upgrade_schema and not store.is_up_to_date():
        upgrade(url, engine=store.engine)
    return store
