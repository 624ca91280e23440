"""The HTTP server component of `ror-bot run`, in this process: stopping refuses new connections, finishes
the request in flight, and tells load balancers it is going away."""

import http.client
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from bot.app import build_app
from bot.context import AppContext
from bot.server import HttpServer
from bot.settings import Settings
from storage.database import Health
from tests.e2e.conftest import SECRET, TOKEN


@pytest.fixture
def server(fake_slack, database_url) -> Iterator[HttpServer]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=TOKEN,  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
    )
    context = AppContext.start(settings)
    component = HttpServer(build_app(context), context, host="127.0.0.1", port=0, threads=4)
    component.start()
    yield component
    component.stop(deadline=time.monotonic() + 10)
    context.store.dispose()


def _get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except (ConnectionRefusedError, ConnectionResetError):  # reset: caught in the backlog as it closed
        return True


def test_while_stopping_healthz_answers_503_so_load_balancers_send_nothing_more(server):
    assert _get(server.port, "/healthz")[0] == 200

    server.stopping.set()  # what stop() does first
    status, _, body = _get(server.port, "/healthz")

    assert status == 503
    assert "arrêt en cours" in body.decode("utf-8")


def test_stopping_refuses_new_connections_and_finishes_the_request_in_flight(server, monkeypatch):
    entered, release = threading.Event(), threading.Event()

    def slow_health() -> Health:
        entered.set()
        release.wait(timeout=20)
        return Health.OK

    monkeypatch.setattr(server.context.store, "health", slow_health)
    answers: list[tuple[int, dict[str, str], bytes]] = []
    in_flight = threading.Thread(target=lambda: answers.append(_get(server.port, "/healthz")))
    in_flight.start()
    assert entered.wait(timeout=10)

    stopping = threading.Thread(target=server.stop, kwargs={"deadline": time.monotonic() + 20})
    stopping.start()
    deadline = time.monotonic() + 10
    while not _refuses_connections(server.port):
        assert time.monotonic() < deadline, "le port accepte encore des connexions"
        time.sleep(0.05)
    assert stopping.is_alive()  # still waiting for the request in flight

    release.set()
    in_flight.join(timeout=20)
    stopping.join(timeout=20)

    assert not stopping.is_alive()
    assert [status for status, _, _ in answers] == [200]
