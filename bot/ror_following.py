"""The scheduler's sync job (connected mode): every ROR_SYNC_SECONDS, what `ror-bot ror sync` does.

Safe with any number of processes running it (`ror-bot run` instances, `ror-bot scheduler`): each page is
stored in one transaction, imports rely on the unique Task id and the Tasks we hold are locked before they
move, so two syncs at once import nothing twice and record each status once. The process's client of the
ROR national (AppContext.ror_national, shared with the sender) reads one page ahead."""

import logging
import threading

from bot.context import AppContext
from bot.presentation.ror_sync import sync_summary
from domain.errors import RorError
from domain.ports import RorNational
from domain.services.ror_sync import sync_from_ror_national

logger = logging.getLogger(__name__)


class RorFollowing:
    def __init__(self, context: AppContext) -> None:
        self.context = context
        self._client: RorNational | None = None
        self._lock = threading.Lock()

    def client(self) -> RorNational:
        with self._lock:
            if self._client is None:
                from rornational.read_ahead import ReadAhead

                national = self.context.ror_national()
                if national is None:
                    raise RuntimeError("sync job scheduled in standalone mode")
                self._client = ReadAhead(national)
            return self._client

    def run_once(self) -> None:
        origin = self.context.settings.ror_connection().anomalies_url
        try:
            report = sync_from_ror_national(
                source=self.client(), origin=origin, uow=self.context.uow(), clock=self.context.clock
            )
        except RorError as error:  # the next run starts again from the unmoved watermark
            logger.warning("%s", error.message)
            return
        for unreadable in report.unreadable:
            logger.warning("Task illisible %s : %s", unreadable.task_id or "?", unreadable.reason)
        if report.read or report.unreadable:
            logger.info("%s", sync_summary(report, origin))

    def job(self) -> None:
        try:
            self.run_once()
        except Exception:  # the scheduler must live on: the next run tries again
            logger.exception("Échec de la synchronisation depuis le ROR national")
