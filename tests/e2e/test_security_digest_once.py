"""A digest is posted at most once even when Slack never answers (issue 12 §6). `ror-bot digest run-due`
reports an unanswered post truthfully (not « Aucun récapitulatif à publier. », exit 1), and before posting a
(subscription, period) again — after an unanswered post or a run that died — it looks the message up in the
channel by its metadata (conversations.history), so the channel holds exactly one digest."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.notifications.slack_poster import DIGEST_EVENT, digest_metadata
from devtools.fake_slack import FakeSlack
from domain.habilitation import Perimeter
from domain.schedule import Schedule, latest_due
from domain.services import add_member, create_group
from domain.services.digests import subscribe
from domain.subscriptions import parse_subscription_text
from storage import Store, open_store
from tests.builders import narbonne
from tests.e2e.conftest import TOKEN
from tests.e2e.helpers import ALICE_MEMBER, declare
from tests.fakes import FixedClock

CHANNEL = "CSUIVI"
SLACK_TIMEOUT = 1  # seconds the client waits for Slack's answer
DUE = latest_due(Schedule(), datetime.now(UTC))  # the latest 08:30 in Paris
CREATED = DUE - timedelta(days=2)


@pytest.fixture
def store(tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'digests.db'}"
    opened = open_store(url)
    create_group(name="Éditeur Occitanie", perimeter=Perimeter.of_regions(["76"]), uow=opened.uow())
    add_member(group_name="Éditeur Occitanie", email=ALICE_MEMBER.email, uow=opened.uow())
    with opened.uow() as uow:
        uow.directory.upsert(narbonne())
        uow.commit()
    subscribe(
        request=parse_subscription_text("bloquees"),
        channel_id=CHANNEL,
        member=ALICE_MEMBER,
        user_id="UALICE",
        uow=opened.uow(),
        clock=FixedClock(CREATED),
    )
    for variable, value in {
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_TIMEOUT_SECONDS": str(SLACK_TIMEOUT),
        "ROR_DIGEST_MARGIN_SECONDS": "0",
    }.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.chdir(tmp_path)
    yield opened
    opened.dispose()


class Context:
    """What `declare` (tests.e2e.helpers) needs of an AppContext."""

    def __init__(self, store: Store) -> None:
        self.clock = FixedClock(CREATED + timedelta(hours=1))
        self.system = "test"
        self._store = store

    def uow(self):  # type: ignore[no-untyped-def]
        return self._store.uow()


def run_due(capsys: pytest.CaptureFixture[str], at: datetime) -> tuple[int, str]:
    code = main(["digest", "run-due", "--at", at.isoformat()])
    out, _ = capsys.readouterr()
    return code, out


def digests_in_channel(fake_slack: FakeSlack) -> list[dict]:
    history = fake_slack.workspace.history({"channel": CHANNEL, "include_all_metadata": "true"})
    return [m for m in history["messages"] if (m.get("metadata") or {}).get("event_type") == DIGEST_EVENT]


def test_an_unanswered_post_is_reported_then_found_in_the_channel_and_never_posted_twice(
    store, fake_slack, capsys
):
    declare(Context(store), "Tarifs")  # type: ignore[arg-type]
    fake_slack.slow("chat.postMessage", SLACK_TIMEOUT + 2)

    code, out = run_due(capsys, DUE)

    assert code == 1
    assert "Aucun récapitulatif à publier" not in out
    assert "publication non confirmée par Slack" in out
    assert len(digests_in_channel(fake_slack)) == 1  # it did reach the channel

    code, out = run_due(capsys, DUE + timedelta(minutes=1))

    assert code == 0
    assert "publié" in out
    assert "déjà dans le canal, pas republié" in out
    history = fake_slack.calls_to("conversations.history")[-1].params
    assert (history["channel"], history["include_all_metadata"]) == (CHANNEL, "1")
    assert run_due(capsys, DUE + timedelta(minutes=2)) == (0, "Aucun récapitulatif à publier.\n")
    assert len(digests_in_channel(fake_slack)) == 1
    assert len([c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]) == 1


def _crashed_claim(store: Store) -> None:
    """A run that claimed the period at DUE and died (before or after posting, nobody knows)."""
    with store.uow() as uow:
        (subscription,) = uow.subscriptions.active()
        uow.digest_runs.claim(
            subscription,
            period_end=DUE,
            now=DUE,
            stale_before=DUE - timedelta(minutes=10),
            max_attempts=5,
            margin=timedelta(0),
        )
        uow.commit()


def test_a_run_that_died_after_posting_is_not_posted_again(store, fake_slack, capsys):
    declare(Context(store), "Tarifs")  # type: ignore[arg-type]
    _crashed_claim(store)
    with store.reader() as uow:
        (subscription,) = uow.subscriptions.active()
    fake_slack.workspace.post_message(
        {"channel": CHANNEL, "text": "Récapitulatif", "metadata": digest_metadata(subscription.id, DUE)}
    )

    code, out = run_due(capsys, DUE + timedelta(minutes=11))

    assert (code, "déjà dans le canal, pas republié" in out) == (0, True)
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_run_that_died_before_posting_is_posted_once(store, fake_slack, capsys):
    declare(Context(store), "Tarifs")  # type: ignore[arg-type]
    _crashed_claim(store)

    code, out = run_due(capsys, DUE + timedelta(minutes=11))

    assert code == 0
    assert "publié (1 anomalie)" in out
    assert len(digests_in_channel(fake_slack)) == 1


def test_when_the_channel_cannot_be_searched_nothing_is_posted(store, fake_slack, capsys):
    declare(Context(store), "Tarifs")  # type: ignore[arg-type]
    _crashed_claim(store)
    fake_slack.fail("conversations.history", "missing_scope")

    code, out = run_due(capsys, DUE + timedelta(minutes=11))

    assert code == 1
    assert "vérification du canal impossible (missing_scope)" in out
    assert fake_slack.calls_to("chat.postMessage") == []
