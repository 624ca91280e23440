"""Following the ROR national end to end (issue 8 item 5): the app over HTTP with signed Slack requests,
pointed at the stand-in; `ror-bot ror sync` and the scheduler's job bring back what changed there."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.cli.main import main
from bot.context import AppContext
from bot.notifications.recipients import OutboxDelivery
from bot.notifications.scheduler import start
from bot.slack_client import web_client
from devtools.ror_standin import RorStandIn
from domain.statuses import Status
from tests.e2e.conftest import LEA, SlackHttp
from tests.e2e.connected_helpers import confirmation_dm, submit_declaration
from tests.e2e.helpers import seen

ADRESSE = ("Adresse établissement", "Le numéro de rue manque.")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, database_url: str, standin: RorStandIn) -> None:
    """`ror-bot` run from the command line on the app's database, pointed at the stand-in."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", database_url)
    for key, value in standin.environment().items():
        monkeypatch.setenv(key, value)


def ror_sync(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["ror", "sync"])
    out, err = capsys.readouterr()
    return code, out, err


def declared_task(slack: SlackHttp, standin: RorStandIn) -> dict[str, Any]:
    submit_declaration(slack, ADRESSE)
    confirmation_dm(slack)
    (task,) = standin.all_tasks()
    return task


def after_second_page(standin: RorStandIn, monkeypatch: pytest.MonkeyPatch, act: Callable[[], None]) -> None:
    """`act` on the stand-in once it has served the second page of a search (mid-pull)."""
    served = standin.recall_search  # what answers a `next` link
    done: list[bool] = []

    def recall(key: str) -> Any:
        if not done:
            done.append(True)
            act()  # applies to the requests after this one
        return served(key)

    monkeypatch.setattr(standin, "recall_search", recall)


def deliver(context: AppContext) -> None:
    OutboxDelivery(context, web_client(context.settings)).deliver_pending()


def test_a_task_corrected_on_the_ror_side_shows_corrigee_after_ror_sync_in_detail_listing_and_dm(
    connected: tuple[SlackHttp, AppContext],
    standin: RorStandIn,
    cli_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    slack, context = connected
    task = declared_task(slack, standin)
    reference = task["identifier"][0]["value"]
    standin.set_business_status(task["id"], "08")
    slack.fake.clear()

    code, out, err = ror_sync(capsys)

    assert (code, err) == (0, "")
    assert out == (
        f"Synchronisation depuis le ROR national (127.0.0.1:{standin.port}, région 76, région 84) : "
        "8 pages, 1 Task lue, 0 nouvelle anomalie, 1 mise à jour, 0 illisible.\n"
    )
    slack.command(f"voir {reference}")
    detail = seen(slack.fake.next("response_url").params)
    assert "Corrigée" in detail
    assert "le ROR national (ROR national)" in detail
    slack.command("anomalies")
    listing = seen(slack.fake.next("response_url").params)
    assert reference in listing
    assert "Corrigée" in listing
    deliver(context)
    dm = confirmation_dm(slack)
    assert dm.params["text"] == (
        f"Votre anomalie {reference} est passée du statut « Créée » au statut « Corrigée » "
        "(par le ROR national)."
    )


def test_a_task_another_system_declared_in_76_is_listed_for_76_and_not_for_84(
    connected: tuple[SlackHttp, AppContext],
    standin: RorStandIn,
    cli_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    slack, _ = connected
    other = standin.add_task(
        focus_type="Organization",
        focus_value="1110000056",
        region="76",
        system_requester="Logiciel Éditeur B",
        path="Organization.telecom",
        description="Le standard ne répond plus",
    )
    reference = other["identifier"][0]["value"]

    code, out, _ = ror_sync(capsys)

    assert code == 0
    assert "1 nouvelle anomalie" in out
    slack.command("anomalies")
    occitanie = seen(slack.fake.next("response_url").params)
    assert reference in occitanie
    assert "CH NARBONNE - HOTEL DIEU" in occitanie  # named from the local directory
    slack.command("anomalies", user=LEA)
    rhone_alpes = seen(slack.fake.next("response_url").params)
    assert reference not in rhone_alpes
    slack.command(f"voir {reference}")
    detail = seen(slack.fake.next("response_url").params)
    assert "Logiciel Éditeur B" in detail
    assert "Le standard ne répond plus" in detail


def test_450_tasks_come_in_over_three_pages_through_an_expired_token_and_a_second_sync_adds_nothing(
    connected: tuple[SlackHttp, AppContext],
    standin: RorStandIn,
    cli_env: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, context = connected
    for n in range(450):
        standin.add_task(
            focus_type="Organization", focus_value=f"1{n:09d}", region="76", description=f"n°{n}"
        )
    after_second_page(standin, monkeypatch, standin.expire_tokens)  # page 3: refused, renewed, asked again

    code, out, err = ror_sync(capsys)

    assert (code, err) == (0, "")
    # Région 76: three pages of structures, one per other focus type; région 84: one per focus type.
    assert "10 pages, 450 Tasks lues, 450 nouvelles anomalies, 0 mise à jour, 0 illisible." in out
    assert standin.token_requests == 2
    assert [dict(r.query).get("_getpagesoffset") for r in standin.requests_to("GET", "/anomalies")][:4] == [
        None,
        "200",
        "400",
        "400",
    ]
    code, out, _ = ror_sync(capsys)
    assert "0 nouvelle anomalie, 0 mise à jour" in out
    with context.store.reader() as uow:
        assert uow.anomalies.count_by_status(_everything(), perimeter=None) == {Status.SENT_TO_RECIPIENT: 450}


def _everything() -> Any:
    from domain.filters import AnomalyFilter

    return AnomalyFilter()


def test_ror_sync_in_standalone_mode_is_one_french_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'seul.db'}")
    monkeypatch.delenv("ROR_ANOMALIES_URL", raising=False)

    code, out, err = ror_sync(capsys)

    assert (code, out) == (1, "")
    assert err == (
        "Erreur : ROR_ANOMALIES_URL n'est pas définie : l'application fonctionne en mode autonome, "
        "sans connexion au ROR national.\n"
    )


def test_ror_sync_when_the_ror_is_down_mid_pull_says_what_was_stored_and_a_resume_imports_nothing_twice(
    connected: tuple[SlackHttp, AppContext],
    standin: RorStandIn,
    cli_env: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, context = connected
    for n in range(450):
        standin.add_task(
            focus_type="Organization", focus_value=f"1{n:09d}", region="76", description=f"n°{n}"
        )
    after_second_page(standin, monkeypatch, lambda: standin.fail(503))  # page 3 fails

    code, out, err = ror_sync(capsys)

    assert (code, out) == (1, "")
    assert err.startswith("Erreur : Synchronisation des anomalies interrompue : ")
    assert "2 pages déjà enregistrées (400 anomalies importées ou mises à jour), repère inchangé" in err
    standin.clear_faults()
    code, out, _ = ror_sync(capsys)
    assert code == 0
    assert "50 nouvelles anomalies" in out
    with context.store.reader() as uow:
        assert uow.anomalies.count_by_status(_everything(), perimeter=None) == {Status.SENT_TO_RECIPIENT: 450}


@pytest.fixture
def scheduled(connected: tuple[SlackHttp, AppContext]) -> Iterator[tuple[SlackHttp, AppContext]]:
    slack, context = connected
    context.settings.ror_sync_seconds = 0.2
    scheduler = start(context)
    yield slack, context
    scheduler.shutdown(wait=True)


def test_the_schedulers_job_brings_the_corrected_status_and_the_declarant_is_told(
    scheduled: tuple[SlackHttp, AppContext], standin: RorStandIn
) -> None:
    slack, context = scheduled
    task = declared_task(slack, standin)
    reference = task["identifier"][0]["value"]

    standin.set_business_status(task["id"], "08")

    deadline = time.monotonic() + 10
    while True:
        with context.store.reader() as uow:
            if uow.anomalies.get(reference, perimeter=None).status is Status.CORRECTED:
                break
        assert time.monotonic() < deadline, "the scheduler's sync did not bring the status"
        time.sleep(0.1)
    deliver(context)
    dm = slack.fake.next("chat.postMessage", where=lambda c: "Corrigée" in str(c.params.get("text")))
    assert dm.params["channel"] == "UALICE"
