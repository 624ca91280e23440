"""The scheduler: every minute, post the digests that are due and deliver the outbox (DMs); in connected
mode, every ROR_SYNC_SECONDS, follow the ROR national (bot.ror_following).

Safe with any number of processes running it (`ror-bot run` instances, `ror-bot scheduler`): digest
claims and outbox leases live in the database, so each digest and each DM goes out once."""

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot.context import AppContext
from bot.notifications.recipients import OutboxDelivery
from bot.notifications.slack_poster import SlackDigestPoster
from bot.runtime import within
from bot.slack_client import web_client
from domain.services.digests import RunReport, run_due_digests
from domain.services.ror_sending import SendResult, send_due

logger = logging.getLogger(__name__)


def run_due(
    context: AppContext, *, at: datetime | None = None, client: WebClient | None = None
) -> list[RunReport]:
    """Post every digest due at `at` (now by default): what the scheduler runs, and `ror-bot digest run-due`."""
    poster = SlackDigestPoster(client or web_client(context.settings), tz=context.settings.timezone)
    return run_due_digests(
        at=at or context.clock.now(),
        uow=context.uow(),
        poster=poster,
        clock=context.clock,
        margin=timedelta(seconds=context.settings.ror_digest_margin_seconds),
        workers=context.settings.ror_digest_workers,
        new_uow=context.uow,
    )


def _digest_job(context: AppContext, client: WebClient) -> None:
    try:
        for report in run_due(context, client=client):
            logger.info(
                "Récapitulatif %s : abonnement %s, canal %s",
                report.status,
                report.subscription.id,
                report.subscription.channel_id,
            )
    except Exception:  # the next minute tries again
        logger.exception("Échec du passage du planificateur des récapitulatifs")


def _outbox_job(delivery: OutboxDelivery) -> None:
    try:
        delivery.deliver_pending()
    except Exception:
        logger.exception("Échec de la livraison des notifications")


def push_to_ror(context: AppContext) -> list[SendResult]:
    """Send what the journal holds that is due (connected mode): the scheduler's job and `ror-bot ror push`."""
    sender = context.ror_sender()
    if sender is None:
        return []
    results = send_due(sender)
    for result in results:
        logger.info(
            "ROR national : %s de %s → %s%s",
            result.operation,
            result.reference,
            result.outcome,
            f" ({result.reason})" if result.reason else "",
        )
    return results


def _ror_push_job(context: AppContext) -> None:
    try:
        push_to_ror(context)
    except Exception:  # the next run tries again; the journal keeps everything
        logger.exception("Échec de l'envoi au ROR national")


def configure(scheduler: BaseScheduler, context: AppContext) -> BaseScheduler:
    client = web_client(context.settings)
    delivery = OutboxDelivery(context, client)
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 50}
    scheduler.add_job(_digest_job, CronTrigger(second=5), args=(context, client), id="digests", **common)
    scheduler.add_job(_outbox_job, CronTrigger(second="*/15"), args=(delivery,), id="outbox", **common)
    if context.settings.connected:
        every = IntervalTrigger(seconds=context.settings.ror_push_seconds)
        scheduler.add_job(_ror_push_job, every, args=(context,), id="ror-push", **common)
        from bot.ror_following import RorFollowing

        following = RorFollowing(context)
        seconds = context.settings.ror_sync_seconds
        scheduler.add_job(
            following.job,
            IntervalTrigger(seconds=seconds),
            id="ror-sync",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(seconds)),
        )
    return scheduler


def start(context: AppContext) -> BackgroundScheduler:
    """Start in the background (inside `ror-bot run` and `ror-bot scheduler`)."""
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    configure(scheduler, context)
    scheduler.start()
    logger.info("Planificateur des récapitulatifs et notifications démarré")
    if context.settings.connected:
        logger.info(
            "Synchronisation depuis le ROR national toutes les %g s", context.settings.ror_sync_seconds
        )
    return scheduler


class DigestScheduler:
    """The runtime component of `ror-bot run`: the scheduler in the background; on stop, the run in
    progress (a digest, a delivery) finishes within the grace period."""

    name = "planificateur"

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self._scheduler: BackgroundScheduler | None = None

    def start(self) -> None:
        self._scheduler = start(self.context)

    def stop(self, *, deadline: float) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            within(deadline, "planificateur", lambda: scheduler.shutdown(wait=True))
