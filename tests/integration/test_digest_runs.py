"""Digest runs on SQLite and PostgreSQL: claims, the « mises à jour » watermark, Slack failures."""

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from slack_sdk.http_retry import builtin_handlers

from bot.notifications.slack_poster import SlackDigestPoster
from bot.settings import Settings
from bot.slack_client import web_client
from devtools.fake_slack import FakeSlack
from domain.clock import SystemClock
from domain.digests import Digest, PostedCheck, PostOutcome, PostResult, RunStatus
from domain.habilitation import Perimeter
from domain.services import (
    DeclarationRequest,
    DeclaredItem,
    add_member,
    create_group,
    declare_anomalies,
    transition_anomaly,
)
from domain.services.digests import ALREADY_IN_CHANNEL, list_subscriptions, run_due_digests, subscribe
from domain.statuses import Status
from domain.subscriptions import Subscription, parse_subscription_text
from storage import Store
from tests.builders import a_member, narbonne
from tests.fakes import PARIS, FixedClock

ALICE = a_member(regions={"76"})
CREATED = datetime(2026, 1, 14, 11, 0, tzinfo=UTC)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc]


def seed(store: Store) -> None:
    create_group(name="Éditeur", perimeter=Perimeter.of_regions(["76"]), uow=store.uow())
    add_member(group_name="Éditeur", email=ALICE.email, uow=store.uow())
    with store.uow() as uow:
        uow.directory.upsert(narbonne())
        uow.commit()


def declare(store: Store, at: datetime, *labels: str):
    items = tuple(DeclaredItem(label, f"Erreur : {label}") for label in labels or ("Tarifs",))
    request = DeclarationRequest("1110000056", None, items)
    return declare_anomalies(
        request=request, member=ALICE, uow=store.uow(), clock=FixedClock(at), system="test"
    )


def subscribe_channel(
    store: Store, text: str = "", channel: str = "C1", at: datetime = CREATED
) -> Subscription:
    return subscribe(
        request=parse_subscription_text(text),
        channel_id=channel,
        member=ALICE,
        user_id="UALICE",
        uow=store.uow(),
        clock=FixedClock(at),
    )


class Recorder:
    def __init__(self) -> None:
        self.posted: list[tuple[int | None, Digest]] = []
        self.searched: list[tuple[int | None, datetime]] = []
        self.told: list[str] = []
        self.lock = threading.Lock()

    def post_digest(self, digest: Digest, subscription: Subscription) -> PostResult:
        with self.lock:
            self.posted.append((subscription.id, digest))
        return PostResult(PostOutcome.POSTED, ts="1.0")

    def find_posted(self, subscription: Subscription, period_end: datetime) -> PostedCheck:
        with self.lock:
            self.searched.append((subscription.id, period_end))
            found = [d for sub, d in self.posted if sub == subscription.id and d.period_end == period_end]
        return PostedCheck(ts="1.0" if found else None)

    def tell_creator(self, subscription: Subscription, text: str) -> None:
        self.told.append(text)


def test_subscriptions_are_stored_with_their_filter_schedule_and_content(store: Store) -> None:
    seed(store)
    made = subscribe_channel(
        store, 'dep=11 nom="hôtel dieu" hebdo lundi,jeudi 09:15 bloquees rien_a_signaler'
    )
    [found] = list_subscriptions(channel_id="C1", uow=store.uow())
    assert found == made
    assert found.schedule.weekdays == frozenset({0, 3})
    assert found.filter.regions == frozenset({"76"})
    assert (found.report_blocked, found.report_updated, found.report_empty) == (True, False, True)


def test_a_period_is_posted_once_however_many_times_run_due_is_called(store: Store) -> None:
    seed(store)
    subscribe_channel(store)
    declare(store, paris(2026, 1, 14, 15, 0), "Tarifs", "Adresse établissement")
    recorder = Recorder()
    at = paris(2026, 1, 15, 8, 30)
    for _ in range(3):
        run_due_digests(at=at, uow=store.uow(), poster=recorder, clock=FixedClock(at))
    assert len(recorder.posted) == 1
    digest = recorder.posted[0][1]
    assert [s.total for s in digest.sections] == [2, 2]


def test_updates_between_two_digests_are_reported_by_the_second(store: Store) -> None:
    seed(store)
    subscribe_channel(store, "mises_a_jour")
    [anomaly] = declare(store, paris(2026, 1, 14, 15, 0))
    recorder = Recorder()
    run_due_digests(
        at=paris(2026, 1, 15, 8, 30),
        uow=store.uow(),
        poster=recorder,
        clock=FixedClock(paris(2026, 1, 15, 8, 30)),
    )
    transition_anomaly(
        reference=anomaly.reference,
        target=Status.CANCELLED,
        uow=store.uow(),
        clock=FixedClock(paris(2026, 1, 15, 10, 0)),
    )
    at = paris(2026, 1, 16, 8, 30)
    run_due_digests(at=at, uow=store.uow(), poster=recorder, clock=FixedClock(at))
    second = recorder.posted[1][1].sections[0]
    assert second.counts == {Status.CANCELLED: 1}
    assert second.items[0].reference == anomaly.reference


def test_a_claim_left_by_a_crashed_run_is_taken_over_after_the_timeout(store: Store) -> None:
    seed(store)
    sub = subscribe_channel(store)
    due = paris(2026, 1, 15, 8, 30)
    with store.uow() as uow:
        claim = uow.digest_runs.claim(
            sub,
            period_end=due,
            now=due,
            stale_before=due - timedelta(minutes=10),
            max_attempts=5,
            margin=timedelta(0),
        )
        uow.commit()
    assert claim is not None
    recorder = Recorder()
    soon = due + timedelta(minutes=5)
    run_due_digests(at=soon, uow=store.uow(), poster=recorder, clock=FixedClock(soon))
    assert recorder.posted == []  # still held by the (maybe) running process
    later = due + timedelta(minutes=11)
    declare(store, due - timedelta(hours=1))
    reports = run_due_digests(at=later, uow=store.uow(), poster=recorder, clock=FixedClock(later))
    assert [r.status for r in reports] == [RunStatus.POSTED]
    assert len(recorder.posted) == 1
    assert recorder.searched == [(sub.id, due)]  # the crashed run might have posted: searched first


def test_a_crashed_run_whose_digest_reached_the_channel_is_recorded_not_posted_again(store: Store) -> None:
    seed(store)
    sub = subscribe_channel(store)
    due = paris(2026, 1, 15, 8, 30)
    declare(store, due - timedelta(hours=1))
    recorder = Recorder()
    with store.uow() as uow:  # a run claims, posts, and dies before recording it
        uow.digest_runs.claim(
            sub,
            period_end=due,
            now=due,
            stale_before=due - timedelta(minutes=10),
            max_attempts=5,
            margin=timedelta(0),
        )
        uow.commit()
    recorder.post_digest(Digest(sub.id, "C1", sub.schedule.cadence, sub.filter, due, due, due, due), sub)
    later = due + timedelta(minutes=11)

    reports = run_due_digests(at=later, uow=store.uow(), poster=recorder, clock=FixedClock(later))

    assert [(r.status, r.error) for r in reports] == [(RunStatus.POSTED, ALREADY_IN_CHANNEL)]
    assert len(recorder.posted) == 1
    with store.reader() as uow:
        assert (
            uow.digest_runs.claim(
                sub, period_end=due, now=later, stale_before=later, max_attempts=5, margin=timedelta(0)
            )
            is None
        )  # recorded as posted: nobody takes it again


def test_two_concurrent_runs_on_postgresql_post_each_period_at_most_once(postgres_store: Store) -> None:
    store = postgres_store
    seed(store)
    subscriptions = [subscribe_channel(store, channel=f"C{i}") for i in range(12)]
    declare(store, paris(2026, 1, 14, 15, 0))
    recorder = Recorder()
    at = paris(2026, 1, 15, 8, 30)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            run_due_digests(at=at, uow=store.uow(), poster=recorder, clock=FixedClock(at))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(sub_id for sub_id, _ in recorder.posted) == sorted(s.id for s in subscriptions)


def test_a_run_with_four_workers_posts_every_digest_once_and_reports_in_subscription_order(
    store: Store,
) -> None:
    seed(store)
    subscriptions = [subscribe_channel(store, channel=f"C{i}") for i in range(12)]
    declare(store, paris(2026, 1, 14, 15, 0))
    recorder = Recorder()
    at = paris(2026, 1, 15, 8, 30)
    reports = run_due_digests(
        at=at, uow=store.uow(), poster=recorder, clock=FixedClock(at), workers=4, new_uow=store.uow
    )
    assert [r.subscription.id for r in reports] == [s.id for s in subscriptions]
    assert [r.status for r in reports] == [RunStatus.POSTED] * 12
    assert sorted(sub_id for sub_id, _ in recorder.posted) == sorted(s.id for s in subscriptions)
    again = run_due_digests(
        at=at, uow=store.uow(), poster=recorder, clock=FixedClock(at), workers=4, new_uow=store.uow
    )
    assert again == []
    assert len(recorder.posted) == 12


def test_two_concurrent_runs_of_four_workers_on_postgresql_post_each_period_at_most_once(
    postgres_store: Store,
) -> None:
    store = postgres_store
    seed(store)
    subscriptions = [subscribe_channel(store, channel=f"C{i}") for i in range(16)]
    declare(store, paris(2026, 1, 14, 15, 0))
    recorder = Recorder()
    at = paris(2026, 1, 15, 8, 30)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            run_due_digests(
                at=at, uow=store.uow(), poster=recorder, clock=FixedClock(at), workers=4, new_uow=store.uow
            )
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(sub_id for sub_id, _ in recorder.posted) == sorted(s.id for s in subscriptions)


def test_an_update_committing_while_a_digest_is_built_appears_in_the_next_digest(
    postgres_store: Store,
) -> None:
    store = postgres_store
    seed(store)
    now = datetime.now(UTC)
    subscribe_channel(store, "mises_a_jour", at=now - timedelta(days=3))
    [anomaly] = declare(store, now - timedelta(days=2))
    recorder = Recorder()
    first_due = now - timedelta(days=1)
    run_due_digests(at=first_due, uow=store.uow(), poster=recorder, clock=FixedClock(first_due))
    assert len(recorder.posted) == 1  # the declaration, reported by yesterday's digest

    writer = store.uow()
    with writer:  # a status change whose transaction is still open while the digest is built
        changing = writer.anomalies.get(anomaly.reference, perimeter=None, for_update=True)
        changing.move_to(Status.CANCELLED, by=ALICE.as_actor("test"), at=datetime.now(UTC))
        writer.anomalies.save(changing)
        clock = SystemClock()
        reports = run_due_digests(
            at=clock.now(), uow=store.uow(), poster=recorder, clock=clock, margin=timedelta(0)
        )
        writer.commit()
    assert [r.status for r in reports] == [RunStatus.EMPTY]  # not committed yet: not in this digest…

    tomorrow = datetime.now(UTC) + timedelta(days=1)
    run_due_digests(at=tomorrow, uow=store.uow(), poster=recorder, clock=SystemClock(), margin=timedelta(0))
    latest = recorder.posted[-1][1].sections[0]
    assert [a.reference for a in latest.items] == [anomaly.reference]  # … but in the next one
    assert latest.counts == {Status.CANCELLED: 1}


@pytest.fixture
def fake_slack():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """What slack_sdk's rate-limit handler asks to sleep, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=recorded.append))
    return recorded


def slack_poster(fake: FakeSlack) -> SlackDigestPoster:
    """The scheduler's poster, with the app's one Web API client configuration."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-test",  # type: ignore[arg-type]
        slack_api_url=fake.api_url,
    )
    return SlackDigestPoster(web_client(settings), tz=PARIS)


@pytest.mark.parametrize("error", ["is_archived", "not_in_channel", "channel_not_found"])
def test_a_channel_gone_disables_the_subscription_and_tells_its_creator_by_dm(
    store, fake_slack, error
) -> None:
    seed(store)
    subscribe_channel(store, channel="CARCHIVED")
    declare(store, paris(2026, 1, 14, 15, 0))
    fake_slack.fail("chat.postMessage", error)
    at = paris(2026, 1, 15, 8, 30)
    reports = run_due_digests(at=at, uow=store.uow(), poster=slack_poster(fake_slack), clock=FixedClock(at))
    assert [r.status for r in reports] == [RunStatus.ABANDONED]
    assert list_subscriptions(channel_id="CARCHIVED", uow=store.uow()) == []
    dm = fake_slack.calls_to("chat.postMessage")[-1]
    assert dm.params["channel"] == "UALICE"
    assert "désactivé" in dm.params["text"]
    later = paris(2026, 1, 16, 8, 30)
    assert (
        run_due_digests(at=later, uow=store.uow(), poster=slack_poster(fake_slack), clock=FixedClock(later))
        == []
    )


def test_a_429_from_slack_is_retried_after_its_retry_after(store, fake_slack, waits) -> None:
    seed(store)
    subscribe_channel(store)
    declare(store, paris(2026, 1, 14, 15, 0))
    fake_slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=7, times=2)
    at = paris(2026, 1, 15, 8, 30)
    reports = run_due_digests(at=at, uow=store.uow(), poster=slack_poster(fake_slack), clock=FixedClock(at))
    assert len(waits) == 2
    assert all(7 <= wait < 8 for wait in waits)  # Retry-After, plus slack_sdk's jitter below a second
    assert [r.status for r in reports] == [RunStatus.POSTED]
    posts = fake_slack.calls_to("chat.postMessage")
    assert len(posts) == 3
    assert posts[-1].params["channel"] == "C1"
    assert "Anomalies bloquées" in posts[-1].text()
