"""The HTTP surface: signatures, /healthz, the App Home event, and `ror-bot run` as an operator starts it."""

import re
import time

import pytest

from bot.context import AppContext
from devtools.signing import signature_headers
from storage import Store
from tests.e2e.conftest import BOB, SECRET, TOKEN, SlackHttp
from tests.e2e.helpers import buttons, seen
from tests.e2e.serving import RorBotRun, ror_bot, ror_bot_env
from tests.slack_limits import assert_home_ok


def _command_body(slack: SlackHttp, text: str) -> bytes:
    return slack.command_body(text)[0]


def test_a_request_without_signature_gets_401_and_does_nothing(slack):
    answer = slack.post(_command_body(slack, "declarer"), "application/x-www-form-urlencoded")
    assert answer.status == 401
    assert slack.settle() == []


def test_a_request_signed_with_another_secret_gets_401_and_does_nothing(slack):
    body = _command_body(slack, "declarer")
    answer = slack.post(
        body, "application/x-www-form-urlencoded", headers=signature_headers("wrong-secret", body)
    )
    assert answer.status == 401
    assert slack.settle() == []


def test_a_stale_signature_more_than_five_minutes_old_gets_401_and_does_nothing(slack):
    body = _command_body(slack, "declarer")
    answer = slack.signed_post(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 6 * 60)
    assert answer.status == 401
    assert slack.settle() == []


def test_a_tampered_body_gets_401(slack):
    body = _command_body(slack, "aide")
    headers = signature_headers(SECRET, body)
    answer = slack.post(
        body.replace(b"aide", b"anomalies"), "application/x-www-form-urlencoded", headers=headers
    )
    assert answer.status == 401


def test_healthz_reports_the_database(slack):
    answer = slack.get("/healthz")
    assert answer.status == 200
    assert answer.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(slack, running):
    context: AppContext = running[1]
    context.store.dispose()
    context.store = Store("postgresql+psycopg://nobody@127.0.0.1:1/x")  # nothing listens there
    answer = slack.get("/healthz")
    assert answer.status == 503
    assert answer.json["database"] == "injoignable"


def test_opening_the_app_home_publishes_the_welcome_and_the_counts(slack, running):
    from tests.e2e.helpers import declare

    declare(running[1], "Tarifs", "Horaires", offer="91/11359")
    answer = slack.event(
        {
            "type": "app_home_opened",
            "user": "UALICE",
            "channel": "D0ALICE",
            "tab": "home",
            "event_ts": "1700000000.1",
        }
    )
    assert answer.status == 200

    published = slack.fake.next("views.publish")
    assert published.params["user_id"] == "UALICE"
    view = published.params["view"]
    assert_home_ok(view)
    text = seen(view)
    assert "Bienvenue, Alice MARTIN" in text
    assert "Bloquée (destinataire manquant) : *2*" in text
    assert set(buttons(view["blocks"])) >= {"Déclarer une anomalie", "Voir les anomalies"}

    see_all = buttons(view["blocks"])["Voir les anomalies"]
    slack.click(see_all["action_id"], see_all["value"], view={**view, "id": "VHOME"})
    dm = slack.fake.next("chat.postMessage")
    assert dm.params["channel"] == "UALICE"
    assert "2 anomalies" in seen(dm.params)


def test_an_unhabilitated_user_opening_the_home_reads_how_to_ask_for_access(slack):
    slack.event(
        {"type": "app_home_opened", "user": BOB, "channel": "D0BOB", "tab": "home", "event_ts": "1.1"}
    )
    view = slack.fake.next("views.publish").params["view"]
    assert "monserviceclient.ror@esante.gouv.fr" in seen(view)


def test_a_slack_rate_limit_is_waited_out(slack):
    slack.fake.fail("views.open", "ratelimited", status=429, retry_after=1)
    slack.command("declarer")
    opened = slack.fake.wait_for("views.open", count=2)
    assert opened[-1].params["view"]["title"]["text"] == "Déclarer une anomalie"


def test_a_slack_failure_is_told_to_the_user_in_french(slack):
    slack.fake.fail("views.open", "expired_trigger_id")
    slack.command("declarer")
    reply = slack.fake.next("response_url")
    assert "Slack a refusé l'opération (expired_trigger_id)" in seen(reply.params)


# --- `ror-bot run`, as an operator starts it ---------------------------------------------------------


def _env(tmp_path, fake_slack, **extra: str) -> dict[str, str]:
    return ror_bot_env(tmp_path, fake_slack.api_url, **extra)


def test_ror_bot_run_names_a_missing_signing_secret_in_one_french_line(tmp_path, fake_slack):
    """Without SLACK_BOT_TOKEN it serves the playground instead (tests/e2e/test_playground_cli.py)."""
    env = _env(tmp_path, fake_slack, SLACK_BOT_TOKEN=TOKEN)
    result = ror_bot("run", "--no-scheduler", env=env, timeout=30)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SLACK_SIGNING_SECRET" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.slow  # a real `ror-bot run` process with its workers
def test_the_walkthrough_works_end_to_end_through_ror_bot_run(tmp_path, fake_slack):
    """A group created with the CLI, `ror-bot run` in HTTP mode, then: search, declare two items, list,
    show, cancel — through /slack/events alone."""
    env = _env(tmp_path, fake_slack, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET)
    assert ror_bot("group", "create", "Éditeur Occitanie", "--regions", "76", env=env).returncode == 0
    assert ror_bot("group", "add-member", "Éditeur Occitanie", "alice@editeur.fr", env=env).returncode == 0
    from tests.e2e.conftest import seed_directory

    seed_directory(env["DATABASE_URL"])
    with RorBotRun(env, "--no-scheduler") as server:
        server.listening()
        slack = SlackHttp(server.url, fake_slack)
        assert slack.get("/healthz").status == 200

        slack.command("rechercher 1110000056")
        card = fake_slack.next("response_url").params
        assert "CH NARBONNE - HOTEL DIEU" in seen(card)

        declare_button = buttons(card["blocks"])["Déclarer une anomalie"]
        slack.click(declare_button["action_id"], declare_button["value"])
        form = {**fake_slack.next("views.open").params["view"], "id": "VWALK", "hash": "h"}
        select = next(b for b in form["blocks"] if b.get("block_id") == "declare-items")
        chosen = [
            o
            for o in select["element"]["options"]
            if o["text"]["text"] in ("Adresse établissement", "Tarifs")
        ]
        values = {
            "declare-items": {
                "declare-items-select": {"type": "multi_static_select", "selected_options": chosen}
            }
        }
        for option in chosen:
            values[f"declare-description-{option['value']}"] = {
                "declare-description-input": {
                    "type": "plain_text_input",
                    "value": f"À corriger : {option['text']['text']}",
                }
            }
        answer = slack.submit(form, values)
        assert answer.json["response_action"] == "update", answer.body
        dm = fake_slack.next("chat.postMessage")
        assert dm.params["text"].startswith("Les anomalies suivantes ont été créées :\nANO_")
        references = [line.split()[0] for line in dm.params["text"].splitlines()[1:]]
        assert len(references) == 2

        slack.command("anomalies")
        assert all(ref in seen(fake_slack.next("response_url").params) for ref in references)

        slack.command(f"voir {references[0]}")
        assert "Historique" in seen(fake_slack.next("response_url").params)

        slack.command(f"annuler {references[0]}")
        prompt = fake_slack.next("response_url").params
        confirm = buttons(prompt["blocks"])["Confirmer l'annulation"]
        slack.click(confirm["action_id"], confirm["value"])
        assert f"L'anomalie {references[0]} est annulée" in seen(fake_slack.next("response_url").params)

        listed = ror_bot("anomalies", "list", "--as", "alice@editeur.fr", "statut=annulee", env=env)
        assert references[0] in listed.stdout, listed.stdout + listed.stderr
        assert server.stop() == 0, server.log_and_errors()


def test_a_failure_while_resolving_the_user_is_answered_in_french_and_logged(slack, caplog):
    slack.fake.fail("users.info", "fatal_error")
    answer = slack.command("anomalies")
    assert answer.status == 200
    assert not answer.body  # acknowledged before users.info
    told = slack.fake.next("response_url").params["text"]
    assert told.startswith(
        "Slack a refusé l'opération (fatal_error). Réessayez dans un instant (référence E-"
    )
    reference = re.search(r"E-[0-9A-F]{6}", told)
    assert reference is not None
    logged = [r for r in caplog.records if r.name == "bot.errors" and reference.group(0) in r.getMessage()]
    assert logged
    assert logged[0].exc_info


def test_socket_mode_needs_no_signing_secret(fake_slack, database_url):
    from bot.app import build_app
    from bot.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=TOKEN,  # type: ignore[arg-type]
        slack_app_token="xapp-e2e",  # type: ignore[arg-type]
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
    )
    context = AppContext.start(settings)
    app = build_app(context)
    assert app.client.base_url == fake_slack.api_url
    assert fake_slack.calls_to("auth.test")
    context.store.dispose()
