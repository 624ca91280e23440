"""Digests as a new user would try them: subscribe channels through /slack/events, declare and change
statuses with the `ror-bot` CLI, run `ror-bot digest run-due --at …` twice at the same time against
PostgreSQL, and read exactly one digest per subscription in the fake Slack Web API."""

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.schedule import Schedule, next_due
from storage import open_store
from tests.e2e.conftest import TOKEN, seed
from tests.e2e.test_cli_walkthrough import ROOT, _command
from tests.integration.conftest import _reset_postgres

REF = re.compile(r"ANO_\d{12}")


@pytest.fixture
def database_url(postgres_database: str) -> str:
    store = open_store(postgres_database)
    _reset_postgres(store)
    store.dispose()
    seed(postgres_database)
    return postgres_database


def cli_env(database_url: str, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ROR_", "DATABASE_URL"))}
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONIOENCODING="utf-8",
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_API_URL=api_url,
        ROR_DIGEST_MARGIN_SECONDS="0",
    )
    return env


def ror_bot(env: dict[str, str], cwd: Path, *argv: str) -> str:
    done = subprocess.run(
        [*_command(), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow  # two `ror-bot digest run-due` processes
def test_two_simultaneous_run_due_post_one_digest_per_subscription_with_blocked_and_updated(
    slack, fake_slack, database_url, tmp_path
):
    answer = slack.command("abonner dep=11", channel="CQUOTIDIEN")
    assert answer.status == 200
    assert "Ce canal est abonné" in fake_slack.last("response_url").text()
    slack.command("abonner bloquees", channel="CBLOQUEES")
    slack.command("abonnements", channel="CQUOTIDIEN")
    # Both commands are answered by workers, in whichever order they finish.
    answers = [c.text() for c in fake_slack.wait_for("response_url", count=3)]
    assert any("Se désabonner" in text for text in answers[1:]), answers

    env = cli_env(database_url, fake_slack.api_url)
    declared = ror_bot(
        env,
        tmp_path,
        "anomalies",
        "declare",
        "--as",
        "alice@editeur.fr",
        "--structure",
        "1110000056",
        "--donnee",
        "Tarifs",
        "--description",
        "Tarif faux",
        "--donnee",
        "Adresse établissement",
        "--description",
        "Numéro de rue erroné",
    )
    tarifs, adresse = REF.findall(declared)
    offer = REF.findall(
        ror_bot(
            env,
            tmp_path,
            "anomalies",
            "declare",
            "--as",
            "alice@editeur.fr",
            "--structure",
            "1110000056",
            "--offre",
            "91/11359",
            "--donnee",
            "Horaires",
            "--description",
            "Fermé le lundi",
        )
    )[0]
    ror_bot(env, tmp_path, "anomalies", "transition", adresse, "--status", "annulee")
    ror_bot(env, tmp_path, "recipient", "set", "91/11359", "referent@ch-narbonne.fr")
    ror_bot(env, tmp_path, "anomalies", "transition", offer, "--status", "corrigee")

    at = (next_due(Schedule(), datetime.now(UTC)) + timedelta(minutes=1)).isoformat()
    runs = [
        subprocess.Popen(
            [*_command(), "digest", "run-due", "--at", at],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        for _ in range(2)
    ]
    outputs = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        outputs.append(out)
    printed = "".join(outputs)
    assert printed.count(": publié") == 2, printed

    posts = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"].startswith("C")]
    assert sorted(c.params["channel"] for c in posts) == ["CBLOQUEES", "CQUOTIDIEN"]
    daily = next(c.text() for c in posts if c.params["channel"] == "CQUOTIDIEN")
    assert "Anomalies bloquées" in daily
    assert "Anomalies mises à jour" in daily
    assert all(ref in daily for ref in (tarifs, adresse, offer))
    assert "03 Annulée : 1" in daily
    assert "08 Corrigée : 1" in daily
    blocked = next(c.text() for c in posts if c.params["channel"] == "CBLOQUEES")
    assert tarifs in blocked
    assert "mises à jour" not in blocked
    assert offer not in blocked

    again = ror_bot(env, tmp_path, "digest", "run-due", "--at", at)
    assert again.strip() == "Aucun récapitulatif à publier."
