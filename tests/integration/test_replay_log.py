"""The replay log on SQLite and PostgreSQL: a request key is acted on once while a copy could still be
accepted, even when two copies arrive at the same time, and forgotten afterwards."""

import threading
from datetime import UTC, datetime

from sqlalchemy import text

from domain.services.replays import REPLAY_WINDOW, first_delivery, replay_key
from storage import Store
from tests.fakes import FixedClock

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def test_a_key_is_acted_on_once_within_the_window_then_forgotten(store: Store) -> None:
    clock = FixedClock(NOW)

    assert first_delivery(key="trigger:1", uow=store.uow(), clock=clock) is True
    assert first_delivery(key="trigger:1", uow=store.uow(), clock=clock) is False
    assert first_delivery(key="trigger:2", uow=store.uow(), clock=clock) is True
    clock.advance(seconds=REPLAY_WINDOW.total_seconds() - 1)
    assert first_delivery(key="trigger:1", uow=store.uow(), clock=clock) is False
    clock.advance(seconds=2)
    assert first_delivery(key="trigger:1", uow=store.uow(), clock=clock) is True


def test_old_keys_do_not_pile_up(store: Store) -> None:
    clock = FixedClock(NOW)
    for n in range(50):
        first_delivery(key=f"trigger:{n}", uow=store.uow(), clock=clock)
    clock.advance(seconds=REPLAY_WINDOW.total_seconds() + 1)
    first_delivery(key="trigger:new", uow=store.uow(), clock=clock)

    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM replay_keys")).scalar() == 1


def test_two_copies_arriving_together_are_acted_on_once(store: Store) -> None:
    clock = FixedClock(NOW)
    start = threading.Barrier(8)
    answers: list[bool] = []

    def deliver() -> None:
        start.wait()
        answers.append(first_delivery(key="trigger:same", uow=store.uow(), clock=clock))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [False] * 7 + [True]


def test_keys_are_stored_at_a_fixed_length_whatever_slack_sends() -> None:
    assert len(replay_key("x" * 10_000)) == len(replay_key("")) == 64
    assert replay_key("trigger:1") != replay_key("trigger:2")
