"""`/ror abonner` words, subscriptions clipped to the perimeter, and the scheduled digest run (fakes)."""

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.digests import PostOutcome, PostResult, RunStatus, SectionKind
from domain.errors import InvalidSubscription, SubscriptionNotFound
from domain.filters import AnomalyFilter
from domain.habilitation import Group, Perimeter
from domain.schedule import Cadence
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies, transition_anomaly
from domain.services.digests import (
    list_subscriptions,
    post_digest_now,
    run_due_digests,
    subscribe,
    unsubscribe,
)
from domain.statuses import Status
from domain.subscriptions import parse_subscription_text
from tests.builders import a_member, geriatrie, narbonne
from tests.fakes import PARIS, FakeUnitOfWork, FixedClock
from tests.fakes_digests import RecordingPoster

ALICE = a_member(regions={"76"})
SYSTEM = "Bot Slack ROR Anomalies"


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc]


# --- parsing ---------------------------------------------------------------------------------------


def test_a_bare_subscription_is_daily_at_08_30_with_blocked_and_updated_anomalies():
    request = parse_subscription_text("")
    assert request.schedule.cadence is Cadence.DAILY
    assert request.schedule.at == time(8, 30)
    assert request.schedule.timezone == "Europe/Paris"
    assert (request.report_blocked, request.report_updated, request.report_empty) == (True, True, False)
    assert request.filter == AnomalyFilter()


def test_filters_cadence_days_time_and_content_are_read_in_any_order():
    request = parse_subscription_text(
        '09h15 dep=11 hebdo lundi,Jeudi nom="hôtel dieu" bloquées rien_a_signaler'
    )
    assert request.schedule.cadence is Cadence.WEEKLY
    assert request.schedule.weekdays == frozenset({0, 3})
    assert request.schedule.at == time(9, 15)
    assert request.filter.departements == frozenset({"11"})
    assert request.filter.name_contains == "hôtel dieu"
    assert (request.report_blocked, request.report_updated, request.report_empty) == (True, False, True)


def test_weekly_without_days_is_on_mondays_and_days_alone_mean_weekly():
    assert parse_subscription_text("hebdo").schedule.weekdays == frozenset({0})
    alone = parse_subscription_text("vendredi 17:00")
    assert alone.schedule.cadence is Cadence.WEEKLY
    assert alone.schedule.weekdays == frozenset({4})


def test_english_words_are_understood_too():
    request = parse_subscription_text("weekly mon,fri 07:45 updated")
    assert request.schedule.weekdays == frozenset({0, 4})
    assert (request.report_blocked, request.report_updated) == (False, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25:00", "n'est pas une heure valide"),
        ("demain", "n'est ni un filtre"),
        ("quotidien lundi", "s'utilisent avec « hebdo »"),
        ("quotidien hebdo", "choisissez soit quotidien, soit hebdo"),
        ("lundi,jourdi", "n'est pas un jour de la semaine"),
        ("region=99", "99"),
        ("couleur=bleu", "Filtre inconnu"),
        ("du=01/01/2026", "n'ont pas de sens pour un abonnement"),
        ("08:00 09:00", "Une seule heure"),
    ],
)
def test_a_bad_subscription_gets_a_precise_french_error(text, expected):
    with pytest.raises(InvalidSubscription) as raised:
        parse_subscription_text(text)
    assert expected in raised.value.message


# --- subscribing -----------------------------------------------------------------------------------


def _subscribe(uow, text="", member=ALICE, channel="C1", at=None):
    clock = FixedClock(at or paris(2026, 1, 14, 12, 0))
    return subscribe(
        request=parse_subscription_text(text),
        channel_id=channel,
        member=member,
        user_id="UALICE",
        uow=uow,
        clock=clock,
    )


def test_a_regional_member_s_subscription_is_clipped_to_their_regions():
    uow = FakeUnitOfWork()
    subscription = _subscribe(uow, "dep=11")
    assert subscription.filter.regions == frozenset({"76"})
    assert subscription.filter.departements == frozenset({"11"})


def test_a_subscription_cannot_be_wider_than_the_creator_s_perimeter():
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidSubscription, match="hors de votre périmètre"):
        _subscribe(uow, "region=84")
    with pytest.raises(InvalidSubscription, match="hors de votre périmètre"):
        _subscribe(uow, "dep=69")
    assert list_subscriptions(channel_id="C1", uow=uow) == []


def test_a_national_member_s_subscription_keeps_its_filter():
    uow = FakeUnitOfWork()
    subscription = _subscribe(uow, "region=84", member=a_member())
    assert subscription.filter.regions == frozenset({"84"})


def test_a_channel_lists_its_subscriptions_and_unsubscribes_by_number():
    uow = FakeUnitOfWork()
    first = _subscribe(uow, "dep=11")
    second = _subscribe(uow, "hebdo")
    _subscribe(uow, channel="C2")
    assert [s.id for s in list_subscriptions(channel_id="C1", uow=uow)] == [first.id, second.id]
    removed = unsubscribe(channel_id="C1", number=1, uow=uow)
    assert removed.id == first.id
    assert [s.id for s in list_subscriptions(channel_id="C1", uow=uow)] == [second.id]
    with pytest.raises(SubscriptionNotFound, match="n° 3"):
        unsubscribe(channel_id="C1", number=3, uow=uow)


def test_a_channel_cannot_unsubscribe_another_channel_s_subscription():
    uow = FakeUnitOfWork()
    other = _subscribe(uow, channel="C2")
    with pytest.raises(InvalidSubscription, match="n'existe plus dans ce canal"):
        unsubscribe(channel_id="C1", subscription_id=other.id, uow=uow)


# --- the scheduled run -----------------------------------------------------------------------------


def _world(*, recipient=None):
    uow = FakeUnitOfWork([narbonne(recipient), geriatrie()])
    uow.groups.add(Group("Éditeur", Perimeter.of_regions(["76"]), {ALICE.email}))
    return uow


def _declare(uow, at, items=("Adresse établissement",)):
    request = DeclarationRequest(
        structure_id="1110000056",
        offer_id=None,
        items=[DeclaredItem(label, f"Erreur sur {label}") for label in items],
    )
    return declare_anomalies(request=request, member=ALICE, uow=uow, clock=FixedClock(at), system=SYSTEM)


def _run(uow, at, poster=None):
    poster = poster or RecordingPoster()
    reports = run_due_digests(at=at, uow=uow, poster=poster, clock=FixedClock(at))
    return poster, reports


def test_a_due_digest_reports_blocked_anomalies_and_is_posted_once_per_period():
    uow = _world()
    _subscribe(uow, at=paris(2026, 1, 14, 12, 0))
    _declare(uow, paris(2026, 1, 14, 15, 0), items=("Adresse établissement", "Tarifs"))
    poster, reports = _run(uow, paris(2026, 1, 15, 8, 30))
    assert [r.status for r in reports] == [RunStatus.POSTED]
    digest = poster.posted[0]
    blocked = next(s for s in digest.sections if s.kind is SectionKind.BLOCKED)
    assert blocked.total == 2
    assert blocked.counts == {Status.BLOCKED_NO_RECIPIENT: 2}
    assert (digest.period_start, digest.period_end) == (paris(2026, 1, 14, 12, 0), paris(2026, 1, 15, 8, 30))
    again, _ = _run(uow, paris(2026, 1, 15, 8, 31), poster)
    assert len(again.posted) == 1


def test_nothing_is_posted_before_the_first_due_time_after_subscribing():
    uow = _world()
    _subscribe(uow, at=paris(2026, 1, 15, 9, 0))
    _declare(uow, paris(2026, 1, 15, 9, 30))
    poster, reports = _run(uow, paris(2026, 1, 15, 12, 0))
    assert poster.posted == []
    assert reports == []


def test_updates_are_reported_once_from_one_digest_to_the_next():
    uow = _world()
    _subscribe(uow, "mises_a_jour", at=paris(2026, 1, 13, 12, 0))
    created = _declare(uow, paris(2026, 1, 14, 10, 0))
    poster, _ = _run(uow, paris(2026, 1, 15, 8, 30))
    assert poster.posted[0].sections[0].total == 1
    transition_anomaly(
        reference=created[0].reference,
        target=Status.CANCELLED,
        uow=uow,
        clock=FixedClock(paris(2026, 1, 15, 14, 0)),
    )
    poster, _ = _run(uow, paris(2026, 1, 16, 8, 30), poster)
    updated = poster.posted[1].sections[0]
    assert updated.counts == {Status.CANCELLED: 1}
    _, reports = _run(uow, paris(2026, 1, 17, 8, 30), poster)
    assert [r.status for r in reports] == [RunStatus.EMPTY]
    assert len(poster.posted) == 2


def test_after_downtime_one_digest_covers_every_update_since_the_previous_one():
    uow = _world()
    _subscribe(uow, "mises_a_jour", at=paris(2026, 1, 10, 12, 0))
    _declare(uow, paris(2026, 1, 11, 10, 0))
    _declare(uow, paris(2026, 1, 13, 10, 0))
    poster, reports = _run(uow, paris(2026, 1, 15, 9, 2))  # down since the 10th
    assert len(reports) == 1
    assert poster.posted[0].sections[0].total == 2
    assert poster.posted[0].period_end == paris(2026, 1, 15, 8, 30)


def test_nothing_to_report_posts_nothing_unless_rien_a_signaler_is_asked():
    uow = _world()
    _subscribe(uow, at=paris(2026, 1, 14, 12, 0))
    _subscribe(uow, "rien_a_signaler", at=paris(2026, 1, 14, 12, 0))
    poster, reports = _run(uow, paris(2026, 1, 15, 8, 30))
    assert sorted(r.status for r in reports) == [RunStatus.EMPTY, RunStatus.POSTED]
    assert len(poster.posted) == 1
    assert poster.posted[0].is_empty


def test_an_archived_channel_disables_the_subscription_and_tells_its_creator():
    uow = _world()
    subscription = _subscribe(uow, at=paris(2026, 1, 14, 12, 0))
    _declare(uow, paris(2026, 1, 14, 15, 0))
    poster = RecordingPoster(outcomes=[PostResult(PostOutcome.CHANNEL_GONE, error="is_archived")])
    _, reports = _run(uow, paris(2026, 1, 15, 8, 30), poster)
    assert [r.status for r in reports] == [RunStatus.ABANDONED]
    assert list_subscriptions(channel_id="C1", uow=uow) == []
    assert uow.subscriptions.rows[subscription.id].disabled_reason == "canal inaccessible (is_archived)"
    user, text = poster.told[0]
    assert user == "UALICE"
    assert "désactivé" in text
    assert "archivé" in text


def test_a_failed_post_is_retried_at_the_next_run_for_the_same_period():
    uow = _world()
    _subscribe(uow, at=paris(2026, 1, 14, 12, 0))
    _declare(uow, paris(2026, 1, 14, 15, 0))
    poster = RecordingPoster(outcomes=[PostResult(PostOutcome.FAILED, error="ratelimited")])
    _, reports = _run(uow, paris(2026, 1, 15, 8, 30), poster)
    assert [r.status for r in reports] == [RunStatus.FAILED]
    _, reports = _run(uow, paris(2026, 1, 15, 8, 31), poster)
    assert [r.status for r in reports] == [RunStatus.POSTED]
    assert len(poster.posted) == 1


def test_a_creator_who_lost_their_habilitation_stops_the_subscription():
    uow = _world()
    _subscribe(uow, at=paris(2026, 1, 14, 12, 0))
    uow.groups.rows.clear()
    poster, reports = _run(uow, paris(2026, 1, 15, 8, 30))
    assert [r.status for r in reports] == [RunStatus.ABANDONED]
    assert poster.posted == []
    assert "n'est plus rattachée" in poster.told[0][1]


def test_the_digest_command_posts_now_without_moving_the_schedule_s_window():
    uow = _world()
    _subscribe(uow, "mises_a_jour", at=paris(2026, 1, 14, 12, 0))
    _declare(uow, paris(2026, 1, 14, 15, 0))
    poster = RecordingPoster()
    post_digest_now(channel_id="C1", uow=uow, poster=poster, clock=FixedClock(paris(2026, 1, 14, 16, 0)))
    assert poster.posted[0].sections[0].total == 1
    _run(uow, paris(2026, 1, 15, 8, 30), poster)
    assert poster.posted[1].sections[0].total == 1


def test_an_update_made_after_the_watermark_is_reported_by_the_next_digest():
    uow = _world()
    _subscribe(uow, "mises_a_jour", at=paris(2026, 1, 14, 12, 0))
    due = paris(2026, 1, 15, 8, 30)
    _declare(uow, due - timedelta(seconds=2))  # inside the safety margin of the 08:30 digest
    poster, reports = _run(uow, due)
    assert [r.status for r in reports] == [RunStatus.EMPTY]
    _run(uow, paris(2026, 1, 16, 8, 30), poster)
    assert poster.posted[0].sections[0].total == 1
