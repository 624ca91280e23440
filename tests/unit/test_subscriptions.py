"""`/ror abonner` words, subscriptions clipped to the perimeter, and the scheduled digest run (fakes)."""

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.digests import PostOutcome, PostResult, RunStatus, SectionKind
from domain.errors import InvalidSubscription, SubscriptionNotFound, SubscriptionOfAnotherPerimeter
from domain.filters import AnomalyFilter
from domain.habilitation import Group, Perimeter
from domain.schedule import Cadence
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies, transition_anomaly
from domain.services.digests import (
    ALREADY_IN_CHANNEL,
    channel_subscriptions,
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


def test_a_channel_lists_its_subscriptions_and_unsubscribes_by_their_number_which_never_changes():
    uow = FakeUnitOfWork()
    first = _subscribe(uow, "dep=11")
    second = _subscribe(uow, "hebdo")
    _subscribe(uow, channel="C2")
    assert [s.id for s in list_subscriptions(channel_id="C1", uow=uow)] == [first.id, second.id]
    assert first.id is not None
    assert second.id is not None

    removed = unsubscribe(channel_id="C1", number=first.id, member=ALICE, uow=uow)

    assert removed.id == first.id
    assert [s.number for s in channel_subscriptions(channel_id="C1", member=ALICE, uow=uow)] == [second.id]
    # Removing the first did not renumber the second: the same command again removes nothing else.
    with pytest.raises(SubscriptionNotFound) as caught:
        unsubscribe(channel_id="C1", number=first.id, member=ALICE, uow=uow)
    assert caught.value.message == (
        f"L'abonnement n° {first.id} n'existe pas ou plus dans ce canal. "
        f"Ses abonnements : n° {second.id} (détails : /ror abonnements)."
    )
    assert [s.id for s in list_subscriptions(channel_id="C1", uow=uow)] == [second.id]


def test_a_number_in_no_subscription_of_an_empty_channel_says_so():
    with pytest.raises(SubscriptionNotFound) as caught:
        unsubscribe(channel_id="C1", number=1, member=ALICE, uow=FakeUnitOfWork())

    assert (
        caught.value.message
        == "L'abonnement n° 1 n'existe pas ou plus dans ce canal. Ce canal n'a aucun abonnement."
    )


def test_a_channel_cannot_unsubscribe_another_channel_s_subscription():
    uow = FakeUnitOfWork()
    other = _subscribe(uow, channel="C2")
    assert other.id is not None
    with pytest.raises(SubscriptionNotFound, match="n'existe pas ou plus dans ce canal"):
        unsubscribe(channel_id="C1", number=other.id, member=ALICE, uow=uow)
    assert [s.id for s in list_subscriptions(channel_id="C2", uow=uow)] == [other.id]


# --- a subscription is its perimeter's --------------------------------------------------------------------

LEA = a_member(regions={"84"}, email="lea@lyon.fr", group="Éditeur ARA")
NATIONAL = a_member(email="nina@national.fr", group="Éditeur national")
OCCITANIE_AND_ARA = a_member(regions={"76", "84"}, email="bea@deux.fr", group="Éditeur Sud")


def test_a_subscription_s_perimeter_is_the_regions_its_filter_reaches():
    uow = FakeUnitOfWork()
    assert _subscribe(uow, "dep=11").perimeter == Perimeter.of_regions(["76"])
    assert _subscribe(uow).perimeter == Perimeter.of_regions(["76"])  # clipped to the creator's
    assert _subscribe(uow, "dep=69", member=NATIONAL).perimeter == Perimeter.of_regions(["84"])
    assert _subscribe(uow, member=NATIONAL).perimeter == Perimeter.everywhere()


def test_only_members_whose_perimeter_covers_a_subscription_see_its_filters_and_creator():
    uow = FakeUnitOfWork()
    mine = _subscribe(uow, 'dep=11 nom="hôtel dieu"')

    for member in (ALICE, NATIONAL, OCCITANIE_AND_ARA):
        (seen,) = channel_subscriptions(channel_id="C1", member=member, uow=uow)
        assert seen.subscription == mine
    (seen,) = channel_subscriptions(channel_id="C1", member=LEA, uow=uow)
    assert (seen.number, seen.subscription, seen.is_theirs) == (mine.id, None, False)


def test_a_member_of_another_perimeter_cannot_remove_a_channel_s_subscription():
    uow = FakeUnitOfWork()
    national = _subscribe(uow, member=NATIONAL)
    regional = _subscribe(uow, "dep=11")
    assert national.id is not None
    assert regional.id is not None

    for number in (national.id, regional.id):
        with pytest.raises(SubscriptionOfAnotherPerimeter) as caught:
            unsubscribe(channel_id="C1", number=number, member=LEA, uow=uow)
        assert caught.value.message.startswith(f"L'abonnement n° {number} relève d'un autre périmètre")
    with pytest.raises(SubscriptionOfAnotherPerimeter):
        unsubscribe(channel_id="C1", number=national.id, member=ALICE, uow=uow)  # national is wider

    assert len(list_subscriptions(channel_id="C1", uow=uow)) == 2
    unsubscribe(channel_id="C1", number=regional.id, member=OCCITANIE_AND_ARA, uow=uow)
    unsubscribe(channel_id="C1", number=national.id, member=NATIONAL, uow=uow)
    assert list_subscriptions(channel_id="C1", uow=uow) == []


def test_the_digest_command_posts_only_the_subscriptions_the_member_covers():
    uow = _world()
    uow.groups.add(Group("Éditeur ARA", Perimeter.of_regions(["84"]), {LEA.email}))
    _subscribe(uow, "dep=11", at=paris(2026, 1, 14, 12, 0))
    _declare(uow, paris(2026, 1, 14, 15, 0))
    now = FixedClock(paris(2026, 1, 14, 16, 0))

    poster = RecordingPoster()
    done = post_digest_now(channel_id="C1", member=LEA, uow=uow, poster=poster, clock=now)
    assert (done.reports, done.others, poster.posted) == ([], 1, [])

    done = post_digest_now(channel_id="C1", member=ALICE, uow=uow, poster=poster, clock=now)
    assert [r.status for r in done.reports] == [RunStatus.POSTED]
    assert done.others == 0
    assert len(poster.posted) == 1


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
    post_digest_now(
        channel_id="C1", member=ALICE, uow=uow, poster=poster, clock=FixedClock(paris(2026, 1, 14, 16, 0))
    )
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


# --- a post that Slack never answered is posted at most once ------------------------------------------------


def _uncertain_first():
    uow = _world()
    _subscribe(uow, at=paris(2026, 1, 14, 12, 0))
    _declare(uow, paris(2026, 1, 14, 15, 0))
    poster = RecordingPoster(outcomes=[PostResult(PostOutcome.UNCERTAIN, error="pas de réponse de Slack")])
    _, reports = _run(uow, paris(2026, 1, 15, 8, 30), poster)
    return uow, poster, reports


def test_a_post_left_unanswered_is_reported_as_unconfirmed_not_as_nothing_to_post():
    _, poster, reports = _uncertain_first()

    assert [(r.status, r.error) for r in reports] == [(RunStatus.UNCERTAIN, "pas de réponse de Slack")]
    assert len(poster.channel) == 1  # it did reach the channel


def test_an_unconfirmed_digest_found_in_its_channel_is_recorded_and_never_posted_again():
    uow, poster, _ = _uncertain_first()

    _, reports = _run(uow, paris(2026, 1, 15, 8, 31), poster)

    assert [(r.status, r.error) for r in reports] == [(RunStatus.POSTED, ALREADY_IN_CHANNEL)]
    assert len(poster.channel) == 1
    assert poster.lookups == [(1, paris(2026, 1, 15, 8, 30))]
    _, reports = _run(uow, paris(2026, 1, 15, 8, 32), poster)
    assert reports == []  # done: nobody takes it again


def test_an_unconfirmed_digest_missing_from_its_channel_is_posted_once_more():
    uow, poster, _ = _uncertain_first()
    poster.channel.clear()  # the post had not reached Slack after all

    _, reports = _run(uow, paris(2026, 1, 15, 8, 31), poster)

    assert [r.status for r in reports] == [RunStatus.POSTED]
    assert len(poster.channel) == 1


def test_when_the_channel_cannot_be_searched_nothing_is_posted_and_the_next_run_searches_again():
    uow, poster, _ = _uncertain_first()
    poster.lookup_error = "missing_scope"

    _, reports = _run(uow, paris(2026, 1, 15, 8, 31), poster)

    assert [(r.status, r.error) for r in reports] == [
        (RunStatus.UNCERTAIN, "vérification du canal impossible (missing_scope)")
    ]
    assert len(poster.channel) == 1
    poster.lookup_error = ""
    _, reports = _run(uow, paris(2026, 1, 15, 8, 32), poster)
    assert [r.status for r in reports] == [RunStatus.POSTED]
    assert len(poster.channel) == 1


def test_a_post_slack_refused_is_retried_without_searching_the_channel():
    uow = _world()
    _subscribe(uow, at=paris(2026, 1, 14, 12, 0))
    _declare(uow, paris(2026, 1, 14, 15, 0))
    poster = RecordingPoster(outcomes=[PostResult(PostOutcome.FAILED, error="ratelimited")])
    _run(uow, paris(2026, 1, 15, 8, 30), poster)

    _run(uow, paris(2026, 1, 15, 8, 31), poster)

    assert poster.lookups == []
    assert len(poster.channel) == 1


def test_a_run_that_breaks_is_reported_as_failed_not_as_nothing_to_post():
    uow = _world()
    _subscribe(uow, at=paris(2026, 1, 14, 12, 0))
    _declare(uow, paris(2026, 1, 14, 15, 0))

    class Broken(RecordingPoster):
        def post_digest(self, digest, subscription):  # type: ignore[no-untyped-def]
            raise RuntimeError("le poste a planté")

    _, reports = _run(uow, paris(2026, 1, 15, 8, 30), Broken())

    assert [(r.status, r.error) for r in reports] == [(RunStatus.FAILED, "le poste a planté")]
