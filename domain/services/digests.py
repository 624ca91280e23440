"""Digest subscriptions and the scheduled run that posts every digest due (SPEC §6)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.digests import (
    FIRST_ITEMS,
    Claim,
    Digest,
    DigestSection,
    PostOutcome,
    RunStatus,
    SectionKind,
    section_filter,
)
from domain.errors import InvalidSubscription, SubscriptionNotFound
from domain.habilitation import Member, Perimeter
from domain.ports import Clock, DigestPoster, UnitOfWork
from domain.schedule import Period, current_period, latest_due, previous_due
from domain.subscriptions import MAX_PER_CHANNEL, Subscription, SubscriptionRequest, clip_to_perimeter

logger = logging.getLogger(__name__)

# Write transactions of this app last milliseconds; the margin absorbs clock differences between hosts.
DEFAULT_MARGIN = timedelta(seconds=5)
# A claim older than this is a crashed run: another run takes it over.
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 5


def subscribe(
    *,
    request: SubscriptionRequest,
    channel_id: str,
    member: Member,
    user_id: str,
    uow: UnitOfWork,
    clock: Clock,
) -> Subscription:
    """Subscribe a channel; the filter is clipped to the member's perimeter (never wider)."""
    if not channel_id:
        raise InvalidSubscription(
            "Un abonnement se fait depuis un canal : tapez la commande dans le canal à abonner."
        )
    flt = clip_to_perimeter(request.filter, member.perimeter)
    with uow:
        if len(uow.subscriptions.of_channel(channel_id)) >= MAX_PER_CHANNEL:
            raise InvalidSubscription(
                f"Ce canal a déjà {MAX_PER_CHANNEL} abonnements : supprimez-en avec /ror desabonner."
            )
        subscription = uow.subscriptions.add(
            Subscription(
                channel_id=channel_id,
                creator_email=member.email,
                creator_user_id=user_id,
                filter=flt,
                schedule=request.schedule,
                created_at=clock.now(),
                report_blocked=request.report_blocked,
                report_updated=request.report_updated,
                report_empty=request.report_empty,
            )
        )
        uow.commit()
    return subscription


def list_subscriptions(*, channel_id: str, uow: UnitOfWork) -> list[Subscription]:
    """The channel's active subscriptions; their position (from 1) is the number `/ror desabonner` takes."""
    with uow:
        return uow.subscriptions.of_channel(channel_id)


def unsubscribe(
    *, channel_id: str, number: int | None = None, subscription_id: int | None = None, uow: UnitOfWork
) -> Subscription:
    """Remove the channel's subscription n° `number` (as listed) or with id `subscription_id`."""
    with uow:
        found = uow.subscriptions.of_channel(channel_id)
        if subscription_id is not None:
            chosen = next((s for s in found if s.id == subscription_id), None)
        elif number is not None and 1 <= number <= len(found):
            chosen = found[number - 1]
        else:
            chosen = None
        if chosen is None or chosen.id is None:
            if number is None:
                raise InvalidSubscription("Cet abonnement n'existe plus dans ce canal (déjà supprimé ?).")
            raise SubscriptionNotFound(number)
        uow.subscriptions.deactivate(chosen.id, reason="désabonnement")
        uow.commit()
    chosen.active = False
    return chosen


def build_digest(
    *,
    subscription: Subscription,
    perimeter: Perimeter,
    period: Period,
    since: datetime,
    until: datetime,
    uow: UnitOfWork,
    limit: int = FIRST_ITEMS,
) -> Digest:
    tz = ZoneInfo(subscription.schedule.timezone)
    flt = subscription.filter
    sections = []
    with uow:
        if subscription.report_blocked:
            found = uow.digest_queries.blocked(flt, perimeter=perimeter, limit=limit)
            kind = SectionKind.BLOCKED
            sections.append(
                DigestSection(
                    kind,
                    found.items,
                    found.total,
                    found.counts,
                    section_filter(kind, flt, since=since, until=until, tz=tz),
                )
            )
        if subscription.report_updated:
            found = uow.digest_queries.updated(
                flt, perimeter=perimeter, since=since, until=until, limit=limit
            )
            kind = SectionKind.UPDATED
            sections.append(
                DigestSection(
                    kind,
                    found.items,
                    found.total,
                    found.counts,
                    section_filter(kind, flt, since=since, until=until, tz=tz),
                )
            )
    return Digest(
        subscription_id=subscription.id,
        channel_id=subscription.channel_id,
        cadence=subscription.schedule.cadence,
        filter=flt,
        period_start=period.start,
        period_end=period.end,
        since=since,
        until=until,
        sections=sections,
    )


@dataclass(frozen=True, slots=True)
class RunReport:
    """What happened to one due (subscription, period)."""

    subscription: Subscription
    period_end: datetime
    status: RunStatus
    total: int = 0
    ts: str | None = None
    error: str = ""


def _creator_perimeter(subscription: Subscription, uow: UnitOfWork) -> Perimeter | None:
    with uow:
        group = uow.groups.group_of(subscription.creator_email)
    return group.perimeter if group is not None else None


def due_period(subscription: Subscription, at: datetime) -> Period | None:
    """The period due at `at`, unless it ended before the subscription existed."""
    end = latest_due(subscription.schedule, at)
    if end <= subscription.created_at:
        return None
    return Period(start=max(previous_due(subscription.schedule, end), subscription.created_at), end=end)


def _abandon(
    subscription: Subscription,
    claim: Claim,
    *,
    reason: str,
    message: str,
    uow: UnitOfWork,
    poster: DigestPoster,
    clock: Clock,
) -> RunReport:
    assert subscription.id is not None
    with uow:
        uow.subscriptions.deactivate(subscription.id, reason=reason)
        uow.digest_runs.finish(claim, status=RunStatus.ABANDONED, at=clock.now(), error=reason)
        uow.commit()
    subscription.active = False
    try:
        poster.tell_creator(subscription, message)
    except Exception:  # the subscription is disabled either way; the DM is best effort
        logger.exception("Impossible de prévenir %s de la désactivation", subscription.creator_email)
    return RunReport(subscription, claim.period_end, RunStatus.ABANDONED, error=reason)


def _run_one(
    subscription: Subscription,
    period: Period,
    *,
    uow: UnitOfWork,
    poster: DigestPoster,
    clock: Clock,
    margin: timedelta,
    limit: int,
) -> RunReport | None:
    now = clock.now()
    with uow:
        claim = uow.digest_runs.claim(
            subscription,
            period_end=period.end,
            now=now,
            stale_before=now - CLAIM_TIMEOUT,
            max_attempts=MAX_ATTEMPTS,
            margin=margin,
        )
        uow.commit()
    if claim is None:
        return None  # posted, abandoned, or being posted by another run
    perimeter = _creator_perimeter(subscription, uow)
    if perimeter is None:
        return _abandon(
            subscription,
            claim,
            reason="créateur non habilité",
            poster=poster,
            uow=uow,
            clock=clock,
            message=(
                f"Votre abonnement du canal <#{subscription.channel_id}> aux récapitulatifs ROR est désactivé : "
                "votre adresse n'est plus rattachée à un groupe d'habilitation ROR."
            ),
        )
    try:
        digest = build_digest(
            subscription=subscription,
            perimeter=perimeter,
            period=period,
            since=claim.since,
            until=claim.until,
            uow=uow,
            limit=limit,
        )
    except Exception as error:
        with uow:
            uow.digest_runs.finish(claim, status=RunStatus.FAILED, at=clock.now(), error=repr(error))
            uow.commit()
        raise
    if digest.is_empty and not subscription.report_empty:
        with uow:
            uow.digest_runs.finish(claim, status=RunStatus.EMPTY, at=clock.now())
            uow.commit()
        return RunReport(subscription, period.end, RunStatus.EMPTY)
    result = poster.post_digest(digest, subscription)
    if result.outcome is PostOutcome.CHANNEL_GONE:
        return _abandon(
            subscription,
            claim,
            reason=f"canal inaccessible ({result.error})",
            poster=poster,
            uow=uow,
            clock=clock,
            message=(
                f"Votre abonnement du canal <#{subscription.channel_id}> aux récapitulatifs ROR est désactivé : "
                f"le canal est archivé ou le bot n'en fait plus partie ({result.error}). "
                "Pour le rétablir, invitez le bot dans un canal actif et tapez `/ror abonner` à nouveau."
            ),
        )
    status = RunStatus.POSTED if result.outcome is PostOutcome.POSTED else RunStatus.FAILED
    with uow:
        uow.digest_runs.finish(claim, status=status, at=clock.now(), ts=result.ts, error=result.error)
        uow.commit()
    return RunReport(subscription, period.end, status, digest.total, result.ts, result.error)


def run_due_digests(
    *,
    at: datetime,
    uow: UnitOfWork,
    poster: DigestPoster,
    clock: Clock,
    margin: timedelta = DEFAULT_MARGIN,
    limit: int = FIRST_ITEMS,
) -> list[RunReport]:
    """Post every digest due at `at`: for each active subscription, the latest period ending ≤ at (a
    downtime posts one digest, not one per missed period). Each (subscription, period) is claimed in
    the database first, so concurrent runs (several processes) post it at most once."""
    with uow:
        subscriptions = uow.subscriptions.active()
    reports = []
    for subscription in subscriptions:
        period = due_period(subscription, at)
        if period is None:
            continue
        try:
            report = _run_one(
                subscription, period, uow=uow, poster=poster, clock=clock, margin=margin, limit=limit
            )
        except Exception:  # one broken subscription does not stop the others
            logger.exception("Récapitulatif de l'abonnement %s en échec", subscription.id)
            continue
        if report is not None:
            reports.append(report)
    return reports


def post_digest_now(
    *,
    channel_id: str,
    uow: UnitOfWork,
    poster: DigestPoster,
    clock: Clock,
    margin: timedelta = DEFAULT_MARGIN,
    limit: int = FIRST_ITEMS,
) -> list[RunReport]:
    """`/ror digest`: post the channel's digests now, without touching the schedule (the next scheduled
    digest still reports everything since the previous scheduled one)."""
    now = clock.now()
    reports = []
    for subscription in list_subscriptions(channel_id=channel_id, uow=uow):
        perimeter = _creator_perimeter(subscription, uow)
        if perimeter is None:
            continue
        with uow:
            since, until = uow.digest_runs.window(subscription, now=now, margin=margin)
        period = Period(start=since, end=until)
        digest = build_digest(
            subscription=subscription,
            perimeter=perimeter,
            period=period,
            since=since,
            until=until,
            uow=uow,
            limit=limit,
        )
        result = poster.post_digest(digest, subscription)
        status = RunStatus.POSTED if result.outcome is PostOutcome.POSTED else RunStatus.FAILED
        reports.append(RunReport(subscription, until, status, digest.total, result.ts, result.error))
    return reports


__all__ = [
    "CLAIM_TIMEOUT",
    "DEFAULT_MARGIN",
    "RunReport",
    "build_digest",
    "current_period",
    "due_period",
    "list_subscriptions",
    "post_digest_now",
    "run_due_digests",
    "subscribe",
    "unsubscribe",
]
