"""Connected to the stand-in ROR national: `/ror rechercher` and the declaration modal on a structure only
the ROR national knows (signed requests, fake Slack), and `ror-bot directory sync` (issue 8 item 7)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import waitress

from bot.app import build_app
from bot.cli.main import main
from bot.context import AppContext
from bot.server import wsgi_app
from bot.settings import Settings
from devtools.fake_slack import FakeSlack
from devtools.ror_standin import RorStandIn
from domain.catalogue import ResourceKind
from tests.e2e.conftest import SECRET, TOKEN, SlackHttp
from tests.e2e.helpers import seen

MONTPELLIER = "1340780477"  # in the stand-in's directory (région 76), not in the app's


@pytest.fixture
def standin() -> Iterator[RorStandIn]:
    with RorStandIn() as running:
        yield running


@pytest.fixture
def connected(
    fake_slack: FakeSlack, database_url: str, standin: RorStandIn
) -> Iterator[tuple[SlackHttp, AppContext]]:
    environment = {key.lower(): value for key, value in standin.environment().items()}
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=TOKEN,  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
        **environment,
    )
    context = AppContext.start(settings)
    app = build_app(context)
    server = waitress.create_server(wsgi_app(app, context), host="127.0.0.1", port=0, threads=4)

    def serve() -> None:
        with contextlib.suppress(OSError):
            server.run()

    threading.Thread(target=serve, daemon=True).start()
    yield SlackHttp(f"http://127.0.0.1:{server.effective_port}", fake_slack), context  # type: ignore[union-attr]
    server.task_dispatcher.shutdown()
    server.close()
    context.store.dispose()


def known_here(context: AppContext, kind: ResourceKind, resource_id: str) -> bool:
    with context.store.reader() as uow:
        return uow.directory.get(kind, resource_id) is not None


def test_rechercher_on_a_structure_only_the_ror_knows_fetches_it_and_shows_its_card(connected, standin):
    slack, context = connected

    slack.command(f"rechercher {MONTPELLIER}")

    text = seen(slack.fake.next("response_url").params)
    assert "CHU DE MONTPELLIER" in text
    assert "Données présentes dans le ROR" in text
    assert known_here(context, ResourceKind.STRUCTURE, MONTPELLIER)
    assert known_here(context, ResourceKind.OFFRE, "91/2040")  # its offers came with it
    (asked,) = standin.requests_to("GET", "/ws-diffusion-fhir/Organization")
    assert dict(asked.query)["identifier"] == f"urn:oid:1.2.250.1.71.4.2.2|{MONTPELLIER}"


def test_rechercher_on_a_structure_the_ror_does_not_know_either_is_unknown(connected):
    slack, _ = connected

    slack.command("rechercher 1110009999")

    text = seen(slack.fake.next("response_url").params)
    assert "Aucune structure d'identifiant 1110009999 n'est accessible dans votre périmètre." in text


def test_rechercher_when_the_ror_is_down_says_the_directory_could_not_be_reached(connected, standin):
    slack, context = connected
    standin.fail(503, path="/ws-diffusion-fhir")

    slack.command(f"rechercher {MONTPELLIER}")

    text = seen(slack.fake.next("response_url").params)
    assert "l'annuaire du ROR national n'a pas pu être consulté" in text
    assert "Aucune structure" not in text
    assert not known_here(context, ResourceKind.STRUCTURE, MONTPELLIER)


def test_the_modal_waits_only_briefly_for_the_ror_then_finds_what_it_fetched_meanwhile(connected, standin):
    slack, context = connected
    context.slack_live_wait = 0.3
    standin.slow(2.0, path="/ws-diffusion-fhir/Organization")
    slack.command("declarer")
    view = {**slack.fake.next("views.open").params["view"], "id": "V0LIVE", "hash": "h1"}
    values = {
        "declare-structure": {"declare-structure-input": {"type": "plain_text_input", "value": MONTPELLIER}},
        "declare-offer": {"declare-offer-input": {"type": "plain_text_input", "value": None}},
    }

    started = time.monotonic()
    answer = slack.submit(view, values)

    assert time.monotonic() - started < 1.5  # acknowledged long before the ROR answered
    assert answer.json["response_action"] == "errors"
    error = answer.json["errors"]["declare-structure"]
    assert "n'a pas répondu dans les 0.3 s" in error
    deadline = time.monotonic() + 10
    while not known_here(context, ResourceKind.STRUCTURE, MONTPELLIER):
        assert time.monotonic() < deadline, "the fetch went on and kept the structure"
        time.sleep(0.05)

    again = slack.submit(view, values)

    assert again.json["response_action"] == "update"
    assert "CHU DE MONTPELLIER" in seen(again.json["view"])


def test_declarer_on_a_structure_only_the_ror_knows_opens_the_form_on_it(connected):
    slack, _ = connected

    slack.command(f"declarer {MONTPELLIER}")

    view = slack.fake.next("views.open").params["view"]
    assert view["submit"]["text"] == "Déclarer une anomalie"  # step 2: the structure was found
    assert "CHU DE MONTPELLIER" in seen(view)


# --- `ror-bot directory sync` ----------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def sync_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, standin: RorStandIn) -> str:
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", url)
    for key, value in standin.environment().items():
        monkeypatch.setenv(key, value)
    return url


def test_directory_sync_pulls_the_directory_then_only_what_changed(sync_env, standin, capsys):
    code, out, err = run(capsys, "directory", "sync")

    assert (code, err) == (0, "")
    assert out.strip() == (
        "Annuaire synchronisé depuis 127.0.0.1:"
        f"{standin.port} : 85 ressources créées, 0 mise à jour, 0 inchangée, 0 rejetée ; repère "
        "2025-11-18T08:30:00+01:00 (précédent : aucun, première synchronisation)."
    )

    standin.directory.put(
        {
            "resourceType": "Organization",
            "id": "org-sans-id",
            "meta": {"lastUpdated": "2026-02-01T00:00:00Z"},
            "name": "Structure sans identifiant",
        }
    )
    code, out, err = run(capsys, "directory", "sync")

    assert code == 0
    assert err.startswith(
        "Rejetée : page 1, entrée 39 (Organization/org-sans-id) — ID National Structure absent"
    )
    assert "0 ressource créée, 0 mise à jour, 85 inchangées, 1 rejetée ; repère 2026-02-01T00:00:00Z" in out


def test_directory_sync_when_the_ror_is_down_is_one_french_line_and_exit_1(sync_env, standin, capsys):
    standin.fail(503, path="/ws-diffusion-fhir")

    code, out, err = run(capsys, "directory", "sync")

    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert err.startswith(
        "Erreur : Synchronisation de l'annuaire interrompue : le ROR national (annuaire) est indisponible"
    )
    assert "rien n'a été enregistré, repère inchangé" in err


def test_directory_sync_without_the_ror_national_names_ror_fhir_url(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    for key in ("ROR_ANOMALIES_URL", "ROR_FHIR_URL"):
        monkeypatch.delenv(key, raising=False)

    code, out, err = run(capsys, "directory", "sync")

    assert (code, out) == (1, "")
    assert err.startswith("Erreur : ROR_FHIR_URL n'est pas définie")
    assert err.count("\n") == 1
