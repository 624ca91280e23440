"""`ror-bot run` and the playground, as `make run` starts it: without Slack credentials the real app and
the playground; with them Slack as before, the playground only when asked."""

import re
import urllib.error
import urllib.request

from tests.e2e.conftest import SECRET, TOKEN
from tests.e2e.playground_run import READY, env_without_slack, free_port, ror_bot_run

SERVING = re.compile(r"mode HTTP sur http://127\.0\.0\.1:\d+/slack/events")
SEEDED = re.compile(r"^Bac à sable : (.*)$", re.MULTILINE)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def run_args(port: int, *extra: str) -> tuple[str, ...]:
    return ("--no-scheduler", "--host", "127.0.0.1", "--port", str(port), *extra)


def test_without_a_slack_token_ror_bot_run_serves_the_real_app_and_the_playground(tmp_path):
    env = env_without_slack(f"sqlite:///{tmp_path / 'run.db'}", ROR_BACKGROUND_WORKERS="0")
    port, page_port = free_port(), free_port()
    with ror_bot_run(*run_args(port, "--playground-port", str(page_port)), env=env, cwd=tmp_path) as bot:
        url = bot.wait_for(READY).group(1)
        assert url == f"http://127.0.0.1:{page_port}/"
        status, page = get(url)
        assert status == 200
        assert "ROR Anomalies — bac à sable" in page
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        # The real endpoint still checks signatures: only the playground knows the local signing secret.
        assert post(f"http://127.0.0.1:{port}/slack/events", b"command=/ror&text=aide") == 401
        seeded = SEEDED.search(bot.output)
        assert seeded is not None
        assert "annuaire de démonstration chargé (89 ressources)" in seeded.group(1)
        assert "groupe « Éditeur Occitanie » créé (région 76)" in seeded.group(1)
        assert len([line for line in bot.lines if "ouvrez http" in line]) == 1

    with ror_bot_run(*run_args(free_port()), env=env, cwd=tmp_path) as again:
        again.wait_for(READY)
        assert "Bac à sable : groupes de démonstration déjà en place." in again.output


def test_real_slack_credentials_take_precedence_and_the_playground_runs_only_when_asked(tmp_path, fake_slack):
    env = env_without_slack(
        f"sqlite:///{tmp_path / 'run.db'}",
        ROR_BACKGROUND_WORKERS="0",
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.api_url,
    )
    with ror_bot_run(*run_args(free_port()), env=env, cwd=tmp_path) as bot:
        bot.wait_for(SERVING)
        assert "Bac à sable" not in bot.output
        assert fake_slack.calls_to("auth.test")  # the configured Slack, not a playground

    fake_slack.clear()
    with ror_bot_run(*run_args(free_port(), "--playground"), env=env, cwd=tmp_path) as asked:
        status, _ = get(asked.wait_for(READY).group(1))
        assert status == 200
        assert fake_slack.calls_to("auth.test") == []  # the playground's own fake Slack answers the app
