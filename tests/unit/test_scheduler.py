"""The scheduler's jobs, and the `ror-bot digest run-due --at` time parsing (no clock, no sleeping)."""

from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.cli.digests import parse_at
from bot.cli.main import UsageError, build_parser
from bot.context import AppContext
from bot.notifications.scheduler import configure
from bot.settings import Settings


class NoStore:
    """The scheduler is only configured here: it never opens the store."""


@pytest.fixture
def context() -> AppContext:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-test")  # type: ignore[call-arg, arg-type]
    return AppContext(settings=settings, store=NoStore())  # type: ignore[arg-type]


def test_the_scheduler_checks_digests_and_the_outbox_every_minute(context):
    scheduler = configure(BackgroundScheduler(timezone="UTC"), context)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"digests", "outbox"}
    assert str(jobs["digests"].trigger) == "cron[second='5']"
    assert jobs["digests"].max_instances == 1
    assert jobs["digests"].coalesce is True


def test_an_at_without_timezone_is_read_in_paris_time(context):
    assert parse_at("2026-01-15T08:30", context) == datetime(2026, 1, 15, 7, 30, tzinfo=UTC)
    assert parse_at("2026-07-15T08:30+00:00", context) == datetime(2026, 7, 15, 8, 30, tzinfo=UTC)


def test_a_bad_at_is_one_french_line(context):
    with pytest.raises(UsageError, match="n'est pas un instant ISO-8601"):
        parse_at("demain matin", context)


def test_the_cli_offers_scheduler_and_digest_run_due():
    parser = build_parser()
    args = parser.parse_args(["digest", "run-due", "--at", "2026-01-15T08:30"])
    assert args.at == "2026-01-15T08:30"
    assert parser.parse_args(["scheduler"]).func.__name__ == "run_scheduler"


def test_in_connected_mode_the_scheduler_also_sends_the_journal_every_ror_push_seconds():
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-test",  # type: ignore[arg-type]
        ror_anomalies_url="https://rortest.example/anomalies",
        ror_push_seconds=45,
    )
    scheduler = configure(BackgroundScheduler(timezone="UTC"), AppContext(settings=settings, store=NoStore()))  # type: ignore[arg-type]

    jobs = {job.id: job for job in scheduler.get_jobs()}

    assert set(jobs) == {"digests", "outbox", "ror-push", "ror-sync"}
    assert str(jobs["ror-push"].trigger) == "interval[0:00:45]"
    assert jobs["ror-push"].max_instances == 1
