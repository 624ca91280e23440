"""Fault injection: the PostgreSQL database goes away in the middle of a declaration and of a listing. The
user reads the « momentanément indisponible » line, nothing is half-written, and `/healthz` answers 503
while the database is away, then 200 again — the app is never restarted.

The app reaches a throw-away database through a TCP proxy this test owns; cutting the proxy drops every
connection (the shared PostgreSQL server is never stopped)."""

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import waitress
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import build_app
from bot.context import AppContext
from bot.server import wsgi_app
from bot.settings import Settings
from storage.repositories.anomalies import SqlAnomalies
from tests.conftest import throwaway_postgres_database
from tests.e2e.conftest import SECRET, TOKEN, SlackHttp, seed
from tests.e2e.helpers import declare, input_blocks, seen
from tests.e2e.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

DOWN = "momentanément indisponible"


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped afterwards."""
    with throwaway_postgres_database("ror_outage") as url:
        yield url


@pytest.fixture
def proxy(database: str) -> Iterator[TcpProxy]:
    url = make_url(database)
    tunnel = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    yield tunnel
    tunnel.close()


@pytest.fixture
def app_through_proxy(fake_slack, database, proxy) -> Iterator[tuple[SlackHttp, AppContext]]:
    through = make_url(database).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    seed(through)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=TOKEN,  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=fake_slack.api_url,
        database_url=through,
    )
    context = AppContext.start(settings)
    server = waitress.create_server(
        wsgi_app(build_app(context), context), host="127.0.0.1", port=0, threads=4
    )

    def serve() -> None:
        with contextlib.suppress(OSError):
            server.run()

    threading.Thread(target=serve, daemon=True).start()
    yield SlackHttp(f"http://127.0.0.1:{server.effective_port}", fake_slack), context  # type: ignore[union-attr]
    server.task_dispatcher.shutdown()
    server.close()
    context.store.dispose()


def _rows(database: str) -> dict[str, int]:
    """What the database holds, read directly (not through the proxy)."""
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return {
                table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for table in ("anomalies", "anomaly_history", "outbox", "declarations")
            }
    finally:
        engine.dispose()


def _cut_during(monkeypatch: pytest.MonkeyPatch, proxy: TcpProxy, method: str) -> threading.Event:
    """Cut the proxy the first time SqlAnomalies.`method` runs: after it for a write, before it for a
    read. The returned event is set once it has been cut."""
    original = getattr(SqlAnomalies, method)
    cut = threading.Event()

    def wrapped(self: SqlAnomalies, *args: Any, **kwargs: Any) -> Any:
        if cut.is_set():
            return original(self, *args, **kwargs)
        if method == "add_all":
            result = original(self, *args, **kwargs)  # the anomaly rows are written, not yet committed
            proxy.cut()
            cut.set()
            return result
        proxy.cut()
        cut.set()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SqlAnomalies, method, wrapped)
    return cut


def _declaration_form(slack: SlackHttp) -> tuple[dict[str, Any], dict[str, Any]]:
    slack.command("declarer 1110000056")
    form = {**slack.fake.next("views.open").params["view"], "id": "VOUTAGE", "hash": "h"}
    select = input_blocks(form)["declare-items"]
    chosen = [
        o for o in select["element"]["options"] if o["text"]["text"] in ("Tarifs", "Adresse établissement")
    ]
    values: dict[str, Any] = {
        "declare-items": {"declare-items-select": {"type": "multi_static_select", "selected_options": chosen}}
    }
    for option in chosen:
        values[f"declare-description-{option['value']}"] = {
            "declare-description-input": {"type": "plain_text_input", "value": "Erreur constatée."}
        }
    return form, values


def test_the_database_going_away_during_a_declaration_writes_nothing_and_says_so(
    app_through_proxy, database, proxy, monkeypatch
):
    slack, _context = app_through_proxy
    form, values = _declaration_form(slack)
    before = _rows(database)
    cut = _cut_during(monkeypatch, proxy, "add_all")

    answer = slack.submit(form, values)

    assert cut.is_set()
    assert answer.status == 200
    assert answer.json["response_action"] == "update"
    assert DOWN in seen(answer.json["view"])
    assert "Les anomalies suivantes ont été créées" not in seen(answer.json["view"])
    assert _rows(database) == before  # nothing half-written: no anomaly, history, event or declaration
    assert slack.get("/healthz").status == 503

    proxy.restore()
    assert slack.get("/healthz").status == 200  # the same app, not restarted
    again = slack.submit(form, values)
    assert "Les anomalies suivantes ont été créées" in seen(again.json["view"])
    assert _rows(database)["anomalies"] == before["anomalies"] + 2


def test_the_database_going_away_during_a_listing_is_told_then_listing_works_again(
    app_through_proxy, proxy, monkeypatch
):
    slack, context = app_through_proxy
    declare(context, "Tarifs")
    cut = _cut_during(monkeypatch, proxy, "page")

    answer = slack.command("anomalies")

    assert answer.status == 200
    told = seen(slack.fake.next("response_url").params)
    assert cut.is_set()
    assert DOWN in told
    assert slack.get("/healthz").status == 503

    proxy.restore()
    assert slack.get("/healthz").status == 200
    slack.command("anomalies")
    assert "Anomalies de votre périmètre" in seen(slack.fake.next("response_url").params)
