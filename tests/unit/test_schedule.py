"""Due times of digests, with controlled time: days, weeks, DST changes in Europe/Paris, catch-up."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.schedule import Cadence, Schedule, current_period, latest_due, next_due, previous_due

PARIS = ZoneInfo("Europe/Paris")
DAILY = Schedule()
MONDAY_THURSDAY = Schedule(Cadence.WEEKLY, frozenset({0, 3}), time(9, 0))


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc]


def test_a_daily_digest_is_due_at_08_30_paris_time_in_winter():
    assert latest_due(DAILY, paris(2026, 1, 15, 10, 0)) == datetime(2026, 1, 15, 7, 30, tzinfo=UTC)


def test_a_daily_digest_is_due_at_08_30_paris_time_in_summer():
    assert latest_due(DAILY, paris(2026, 7, 15, 10, 0)) == datetime(2026, 7, 15, 6, 30, tzinfo=UTC)


def test_before_today_s_time_the_latest_due_time_is_yesterday_s():
    assert latest_due(DAILY, paris(2026, 1, 15, 8, 29)) == paris(2026, 1, 14, 8, 30)


def test_the_due_time_itself_is_due():
    assert latest_due(DAILY, paris(2026, 1, 15, 8, 30)) == paris(2026, 1, 15, 8, 30)


def test_the_period_of_a_daily_digest_is_the_last_24_hours_in_winter():
    period = current_period(DAILY, paris(2026, 1, 15, 8, 31))
    assert (period.start, period.end) == (paris(2026, 1, 14, 8, 30), paris(2026, 1, 15, 8, 30))


def test_across_the_march_change_the_digest_stays_at_08_30_local_and_the_period_is_23_hours():
    period = current_period(DAILY, paris(2026, 3, 29, 9, 0))  # last Sunday of March
    assert period.end == datetime(2026, 3, 29, 6, 30, tzinfo=UTC)
    assert period.start == datetime(2026, 3, 28, 7, 30, tzinfo=UTC)
    assert period.end - period.start == timedelta(hours=23)


def test_across_the_october_change_the_digest_stays_at_08_30_local_and_the_period_is_25_hours():
    period = current_period(DAILY, paris(2026, 10, 25, 9, 0))  # last Sunday of October
    assert period.end == datetime(2026, 10, 25, 7, 30, tzinfo=UTC)
    assert period.end - period.start == timedelta(hours=25)


def test_a_time_skipped_by_the_spring_change_is_posted_one_hour_later_on_the_wall_clock():
    night = Schedule(at=time(2, 30))
    due = latest_due(night, paris(2026, 3, 29, 12, 0))
    assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert due.astimezone(PARIS).strftime("%H:%M") == "03:30"


def test_a_time_repeated_by_the_autumn_change_is_posted_once_at_its_first_occurrence():
    night = Schedule(at=time(2, 30))
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert latest_due(night, datetime(2026, 10, 25, 1, 45, tzinfo=UTC)) == first  # 02:45 CET, second pass
    assert next_due(night, first) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_a_weekly_digest_is_due_on_its_days_only():
    # Wednesday 21/01/2026: the latest due time is Monday 19/01 at 09:00.
    assert latest_due(MONDAY_THURSDAY, paris(2026, 1, 21, 12, 0)) == paris(2026, 1, 19, 9, 0)
    assert latest_due(MONDAY_THURSDAY, paris(2026, 1, 22, 9, 0)) == paris(2026, 1, 22, 9, 0)


def test_a_weekly_digest_s_period_runs_from_its_previous_day():
    period = current_period(MONDAY_THURSDAY, paris(2026, 1, 26, 9, 5))  # Monday
    assert period.start == paris(2026, 1, 22, 9, 0)  # the Thursday before
    assert previous_due(MONDAY_THURSDAY, period.start) == paris(2026, 1, 19, 9, 0)


def test_a_weekly_digest_once_a_week_looks_back_a_full_week():
    mondays = Schedule(Cadence.WEEKLY, frozenset({0}), time(8, 30))
    assert latest_due(mondays, paris(2026, 1, 25, 23, 0)) == paris(2026, 1, 19, 8, 30)


def test_after_three_days_of_downtime_only_the_latest_period_is_due():
    restart = paris(2026, 1, 18, 14, 0)
    due_times = {latest_due(DAILY, restart + timedelta(minutes=m)) for m in range(0, 120)}
    assert due_times == {paris(2026, 1, 18, 8, 30)}


def test_every_minute_of_a_week_maps_to_a_due_time_at_most_one_day_old():
    moment = paris(2026, 3, 23, 0, 0)
    for _ in range(7 * 24 * 4):
        due = latest_due(DAILY, moment)
        assert due <= moment < due + timedelta(hours=25)
        moment += timedelta(minutes=15)


def test_another_timezone_can_be_configured():
    reunion = Schedule(timezone="Indian/Reunion")
    assert latest_due(reunion, datetime(2026, 1, 15, 6, 0, tzinfo=UTC)) == datetime(
        2026, 1, 15, 4, 30, tzinfo=UTC
    )
