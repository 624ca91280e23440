"""Digest subscriptions and the scheduled run that posts every digest due (SPEC §6)."""

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
from domain.errors import InvalidSubscription, SubscriptionNotFound, SubscriptionOfAnotherPerimeter
from domain.habilitation import Member, Perimeter
from domain.ports import Clock, DigestPoster, UnitOfWork
from domain.schedule import Period, current_period, latest_due, previous_due
from domain.subscriptions import (
    MAX_PER_CHANNEL,
    SeenSubscription,
    Subscription,
    SubscriptionRequest,
    clip_to_perimeter,
)

logger = logging.getLogger(__name__)

# Write transactions of this app last milliseconds; the margin absorbs clock differences between hosts.
DEFAULT_MARGIN = timedelta(seconds=5)
# A claim older than this is a crashed run: another run takes it over.
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 5
ALREADY_IN_CHANNEL = "déjà dans le canal, pas republié"


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
    """The channel's active subscriptions, oldest first, whoever they belong to (the scheduler's view)."""
    with uow:
        return uow.subscriptions.of_channel(channel_id)


def channel_subscriptions(*, channel_id: str, member: Member, uow: UnitOfWork) -> list[SeenSubscription]:
    """The channel's subscriptions as `member` may see them: each one's number (its id, which never
    changes), and its filters and creator only when the member's perimeter covers it."""
    return [
        SeenSubscription(s.id, s if member.perimeter.covers(s.perimeter) else None)
        for s in list_subscriptions(channel_id=channel_id, uow=uow)
        if s.id is not None
    ]


def unsubscribe(*, channel_id: str, number: int, member: Member, uow: UnitOfWork) -> Subscription:
    """Remove the channel's subscription n° `number` (its id, as `/ror abonnements` shows it): only a
    member whose perimeter covers the subscription may."""
    with uow:
        found = uow.subscriptions.of_channel(channel_id)
        chosen = next((s for s in found if s.id == number), None)
        if chosen is None or chosen.id is None:
            raise SubscriptionNotFound(number, [s.id for s in found if s.id is not None])
        if not member.perimeter.covers(chosen.perimeter):
            raise SubscriptionOfAnotherPerimeter(chosen.id)
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
    if claim.check_channel_first:
        done = _already_posted(subscription, claim, uow=uow, poster=poster, clock=clock)
        if done is not None:
            return done
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
    status = _STATUS_OF[result.outcome]
    with uow:
        uow.digest_runs.finish(claim, status=status, at=clock.now(), ts=result.ts, error=result.error)
        uow.commit()
    return RunReport(subscription, period.end, status, digest.total, result.ts, result.error)


_STATUS_OF = {
    PostOutcome.POSTED: RunStatus.POSTED,
    PostOutcome.FAILED: RunStatus.FAILED,
    PostOutcome.UNCERTAIN: RunStatus.UNCERTAIN,
}


def _already_posted(
    subscription: Subscription, claim: Claim, *, uow: UnitOfWork, poster: DigestPoster, clock: Clock
) -> RunReport | None:
    """An earlier attempt may have posted this digest (it crashed before recording it, or Slack never
    answered): look for it in the channel. Found: recorded as posted, not posted again. Unknown (the
    search failed): nothing is posted — at most once — and the next run looks again."""
    check = poster.find_posted(subscription, claim.period_end)
    if check.found:
        with uow:
            uow.digest_runs.finish(
                claim, status=RunStatus.POSTED, at=clock.now(), ts=check.ts, error=ALREADY_IN_CHANNEL
            )
            uow.commit()
        return RunReport(
            subscription, claim.period_end, RunStatus.POSTED, ts=check.ts, error=ALREADY_IN_CHANNEL
        )
    if check.error:
        error = f"vérification du canal impossible ({check.error})"
        with uow:
            uow.digest_runs.finish(claim, status=RunStatus.UNCERTAIN, at=clock.now(), error=error)
            uow.commit()
        return RunReport(subscription, claim.period_end, RunStatus.UNCERTAIN, error=error)
    return None


def run_due_digests(
    *,
    at: datetime,
    uow: UnitOfWork,
    poster: DigestPoster,
    clock: Clock,
    margin: timedelta = DEFAULT_MARGIN,
    limit: int = FIRST_ITEMS,
    workers: int = 1,
    new_uow: Callable[[], UnitOfWork] | None = None,
) -> list[RunReport]:
    """Post every digest due at `at`: for each active subscription, the latest period ending ≤ at (a
    downtime posts one digest, not one per missed period). Each (subscription, period) is claimed in
    the database first, so concurrent runs (several processes) post it at most once.

    With `workers` > 1 and `new_uow` (a fresh unit of work per call), that many digests are built and
    posted at once: a digest spends most of its time waiting for the database and for Slack, and the
    claims already make concurrent runs safe. Reports keep the subscriptions' order."""
    with uow:
        subscriptions = uow.subscriptions.active()
    due = [(s, period) for s in subscriptions if (period := due_period(s, at)) is not None]

    def run(subscription: Subscription, period: Period, own_uow: UnitOfWork) -> RunReport | None:
        try:
            return _run_one(
                subscription, period, uow=own_uow, poster=poster, clock=clock, margin=margin, limit=limit
            )
        except Exception as error:  # one broken subscription does not stop the others, and is reported
            logger.exception("Récapitulatif de l'abonnement %s en échec", subscription.id)
            return RunReport(
                subscription, period.end, RunStatus.FAILED, error=str(error) or type(error).__name__
            )

    if workers > 1 and new_uow is not None and len(due) > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="digest") as pool:
            reports = list(pool.map(lambda pair: run(pair[0], pair[1], new_uow()), due))
    else:
        reports = [run(subscription, period, uow) for subscription, period in due]
    return [report for report in reports if report is not None]


@dataclass(frozen=True, slots=True)
class DigestsNow:
    """What `/ror digest` did: a report per subscription of the member's, and how many subscriptions of
    the channel belong to other perimeters (not posted)."""

    reports: list[RunReport]
    others: int = 0


def post_digest_now(
    *,
    channel_id: str,
    member: Member,
    uow: UnitOfWork,
    poster: DigestPoster,
    clock: Clock,
    margin: timedelta = DEFAULT_MARGIN,
    limit: int = FIRST_ITEMS,
) -> DigestsNow:
    """`/ror digest`: post now the digests of the channel's subscriptions that `member`'s perimeter
    covers, without touching the schedule (the next scheduled digest still reports everything since the
    previous scheduled one)."""
    now = clock.now()
    reports = []
    seen = channel_subscriptions(channel_id=channel_id, member=member, uow=uow)
    for subscription in (s.subscription for s in seen if s.subscription is not None):
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
        status = _STATUS_OF.get(result.outcome, RunStatus.FAILED)
        reports.append(RunReport(subscription, until, status, digest.total, result.ts, result.error))
    return DigestsNow(reports, others=sum(1 for s in seen if not s.is_theirs))


__all__ = [
    "ALREADY_IN_CHANNEL",
    "CLAIM_TIMEOUT",
    "DEFAULT_MARGIN",
    "DigestsNow",
    "RunReport",
    "build_digest",
    "channel_subscriptions",
    "current_period",
    "due_period",
    "list_subscriptions",
    "post_digest_now",
    "run_due_digests",
    "subscribe",
    "unsubscribe",
]
