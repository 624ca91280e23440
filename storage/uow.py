"""The unit of work: one transaction, the repositories that share it, all-or-nothing commit, and the
events of the anomalies it touched written to the outbox with the changes that caused them."""

from typing import Self
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from storage.repositories.anomalies import SqlAnomalies
from storage.repositories.declarations import SqlDeclarationLog
from storage.repositories.digests import SqlDigestQueries, SqlDigestRuns
from storage.repositories.directory import SqlDirectory
from storage.repositories.groups import SqlGroups
from storage.repositories.outbox import SqlOutbox
from storage.repositories.replays import SqlReplayLog
from storage.repositories.ror_journal import SqlRorJournal
from storage.repositories.subscriptions import SqlSubscriptions


class SqlUnitOfWork:
    anomalies: SqlAnomalies
    directory: SqlDirectory
    groups: SqlGroups
    declarations: SqlDeclarationLog
    outbox: SqlOutbox
    replays: SqlReplayLog
    ror_journal: SqlRorJournal
    subscriptions: SqlSubscriptions
    digest_runs: SqlDigestRuns
    digest_queries: SqlDigestQueries
    session: Session

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        tz: ZoneInfo,
        read_only: bool = False,
        names: dict[str, int] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.tz = tz
        self._names = {} if names is None else names
        self.read_only = read_only
        self._depth = 0

    def __enter__(self) -> Self:
        # Re-entrant: a service may call another one on the same unit of work.
        self._depth += 1
        if self._depth == 1:
            self.session = self._session_factory()
            if self.read_only:
                self.session.info["read_only"] = True
            self.anomalies = SqlAnomalies(self.session, self.tz, self._names)
            self.directory = SqlDirectory(self.session)
            self.groups = SqlGroups(self.session)
            self.declarations = SqlDeclarationLog(self.session)
            self.outbox = SqlOutbox(self.session)
            self.replays = SqlReplayLog(self.session)
            self.ror_journal = SqlRorJournal(self.session)
            self.subscriptions = SqlSubscriptions(self.session)
            self.digest_runs = SqlDigestRuns(self.session)
            self.digest_queries = SqlDigestQueries(self.session, self.tz)
        return self

    def __exit__(self, *args: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.rollback()
            self.session.close()

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("read-only unit of work")
        self.outbox.add([event for anomaly in self.anomalies.seen for event in anomaly.pull_events()])
        self.session.commit()
        self.anomalies.remember_names()

    def rollback(self) -> None:
        self.session.rollback()
