"""`ror-bot run` as a service: started completely before it listens, stopped cleanly by SIGTERM or SIGINT
(requests in flight finished, worker processes and the multiprocessing resource tracker gone, exit 0), and
each start-up failure told in one French line naming the cause and the variable."""

import signal
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import ALICE, SECRET, TOKEN, SlackHttp, seed
from tests.e2e.helpers import seen
from tests.e2e.serving import RorBotRun, ror_bot, ror_bot_env, wait_until_gone

pytestmark = pytest.mark.slow  # real `ror-bot run` processes with their workers

WORKERS_READY = "processus de travail prêts"


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def env(tmp_path, fake_slack):
    environment = ror_bot_env(
        tmp_path, fake_slack.api_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET
    )
    seed(environment["DATABASE_URL"])
    return environment


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_finishes_the_requests_in_flight_then_stops_everything_and_exits_0(
    env, fake_slack, signal_number
):
    with RorBotRun(env) as server:
        port = server.listening()
        # Start-up was complete before it listened: workers ready, scheduler running.
        log = server.log
        assert log.index(WORKERS_READY) < log.index(f"127.0.0.1:{port}/slack/events")
        assert "Planificateur des récapitulatifs et notifications démarré" in log.split("mode HTTP")[0]
        assert _get(f"{server.url}/healthz") == 200
        slack = SlackHttp(server.url, fake_slack)
        fake_slack.slow_down("response_url", 2.0)  # the answer is still on its way when the signal comes

        answer = slack.command("aide", user=ALICE)
        assert answer.status == 200
        code = server.stop(signal_number, timeout=60)

        assert code == 0, server.log_and_errors()
        told = fake_slack.wait_for("response_url", timeout=1)  # delivered before the process ended
        assert "Aide de /ror" in seen(told[0].params)
        assert len(server.started) >= 3, server.log  # two workers and the resource tracker
        assert wait_until_gone(server.started) == set(), server.log  # none of them left
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        assert "Traceback" not in server.log_and_errors()
        assert "will be unused" not in server.log_and_errors()  # Bolt's warning about the token is gone
        assert "Arrêt terminé" in server.log


def test_ror_bot_scheduler_stops_on_sigterm_and_exits_0(env):
    with RorBotRun(env, command=("scheduler",)) as scheduler:
        scheduler.wait_for_log("Démarrage terminé")
        assert scheduler.stop(signal.SIGTERM) == 0, scheduler.log_and_errors()
    assert "Arrêt terminé" in scheduler.log


# --- start-up failures -------------------------------------------------------------------------------


def _one_french_line(result, *words: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Erreur : "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_slack_unreachable_is_one_line_naming_slack_api_url(env):
    env["SLACK_API_URL"] = f"http://127.0.0.1:{_closed_port()}/api/"
    _one_french_line(ror_bot("run", "--no-scheduler", env=env), "SLACK_API_URL", "joignable")


def test_a_bot_token_slack_refuses_is_one_line_naming_slack_bot_token(env, fake_slack):
    fake_slack.fail("auth.test", "invalid_auth")
    _one_french_line(ror_bot("run", "--no-scheduler", env=env), "SLACK_BOT_TOKEN", "invalid_auth")


def test_a_port_in_use_is_one_line_naming_the_port_and_nothing_is_left_running(env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = ror_bot("run", "--host", "127.0.0.1", "--port", str(port), env=env)
    _one_french_line(result, f"Le port {port} est déjà utilisé", "PORT")
    assert time.monotonic() - started < 120


def test_an_app_token_slack_refuses_in_socket_mode_is_one_line_naming_slack_app_token(env, fake_slack):
    fake_slack.fail("apps.connections.open", "invalid_auth")
    env["SLACK_APP_TOKEN"] = "xapp-wrong"
    _one_french_line(ror_bot("run", "--no-scheduler", env=env), "SLACK_APP_TOKEN", "invalid_auth")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:1/ror", ("DATABASE_URL", "injoignable")),
        (
            "postgresql+psycopg://postgres@127.0.0.1:5432/ror_no_such_database",
            ("DATABASE_URL", "n'existe pas"),
        ),
        ("postgres://postgres@127.0.0.1:5432/ror", ("DATABASE_URL", "postgresql+psycopg://")),
        ("pas une adresse", ("DATABASE_URL",)),
    ],
    ids=["nothing listening", "missing database", "postgres scheme", "garbage"],
)
def test_a_database_that_cannot_be_used_is_one_line_naming_database_url(env, url, words):
    env["DATABASE_URL"] = url
    _one_french_line(ror_bot("run", "--no-scheduler", env=env), *words)


def test_an_invalid_variable_is_one_line_naming_it(env):
    env["ROR_TIMEZONE"] = "Mars/Olympus"
    _one_french_line(ror_bot("run", "--no-scheduler", env=env), "ROR_TIMEZONE", "Mars/Olympus")


def test_a_start_that_fails_after_the_workers_started_leaves_no_process_behind(env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with RorBotRun(env, "--port", str(taken.getsockname()[1])) as server:
            server.process.wait(timeout=120)
            server.stop()
    assert server.process.returncode == 1
    assert "est déjà utilisé" in server.errors
    assert server.started, server.log  # the workers had started…
    assert wait_until_gone(server.started) == set()  # … and are gone with the resource tracker
