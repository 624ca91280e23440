"""A SQLite write lock held by another process (a long import, a stuck script) never turns into a Slack failure
(issue 12 §7): every answer leaves well inside Slack's 3 seconds, users read in French that the base is busy
and that nothing was saved, readers go on reading, and /healthz says 503 within a second."""

import sqlite3
import time
from collections.abc import Iterator

import pytest

from bot.ids import DeclareIds, DetailIds
from domain.catalogue import ResourceKind, data_items_of
from domain.filters import AnomalyFilter
from domain.services import list_anomalies, show_anomaly
from domain.statuses import Status
from tests.e2e.helpers import ALICE_MEMBER, declare, input_blocks, seen

BUSY = "La base de données des anomalies est occupée par une autre opération : rien n'a été enregistré."
SLACK_DEADLINE = 3.0


class HeldLock:
    """Another connection to the app's SQLite file, holding the write lock until released."""

    def __init__(self, path: str) -> None:
        self._connection: sqlite3.Connection | None = sqlite3.connect(path, isolation_level=None)
        self._connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self._connection is not None:
            self._connection.execute("ROLLBACK")
            self._connection.close()
            self._connection = None


@pytest.fixture
def held_lock(running) -> Iterator[HeldLock]:
    lock = HeldLock(running[1].store.engine.url.database)
    yield lock
    lock.release()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def _form(slack) -> tuple[dict, dict]:
    slack.command("declarer 1110000056")
    form = {**slack.fake.next("views.open").params["view"], "id": "V0BUSY", "hash": "h"}
    label = "Tarifs"
    index = [item.label for item in data_items_of(ResourceKind.STRUCTURE)].index(label)
    chosen = [
        o
        for o in input_blocks(form)[DeclareIds.ITEMS_BLOCK]["element"]["options"]
        if o["text"]["text"] == label
    ]
    values = {
        DeclareIds.ITEMS_BLOCK: {
            DeclareIds.ITEMS_SELECT: {"type": "multi_static_select", "selected_options": chosen}
        },
        f"{DeclareIds.DESCRIPTION_BLOCK}{index}": {
            DeclareIds.DESCRIPTION_INPUT: {"type": "plain_text_input", "value": "Les tarifs 2026 manquent."}
        },
    }
    return form, values


def test_healthz_answers_503_within_a_second_while_the_lock_is_held(slack, held_lock):
    answer, took = timed(lambda: slack.get("/healthz"))

    assert answer.status == 503
    assert answer.json == {"status": "error", "database": "occupée"}
    assert took < 1.0

    held_lock.release()
    assert slack.get("/healthz").status == 200


def test_a_declaration_submitted_while_the_base_is_busy_keeps_the_form_and_is_declared_once_resubmitted(
    running, held_lock
):
    slack, context = running
    form, values = _form(slack)

    answer, took = timed(lambda: slack.submit(form, values))

    assert answer.status == 200
    assert took < SLACK_DEADLINE - 0.5
    assert answer.json["response_action"] == "errors"
    assert answer.json["errors"][DeclareIds.ITEMS_BLOCK].startswith(BUSY)
    held_lock.release()
    assert list_anomalies(flt=AnomalyFilter(), member=ALICE_MEMBER, uow=context.store.reader()).total == 0

    again = slack.submit(form, values)
    replayed = slack.submit(form, values)

    assert again.json["response_action"] == replayed.json["response_action"] == "update"
    assert "Les anomalies suivantes ont été créées" in seen(again.json["view"])
    assert list_anomalies(flt=AnomalyFilter(), member=ALICE_MEMBER, uow=context.store.reader()).total == 1


def test_reading_commands_answer_while_the_lock_is_held(running):
    slack, context = running
    [anomaly] = declare(context, "Tarifs")
    lock = HeldLock(context.store.engine.url.database)
    try:
        answer, took = timed(lambda: slack.command(f"voir {anomaly.reference}"))
        reply = slack.fake.next("response_url", timeout=SLACK_DEADLINE)
    finally:
        lock.release()

    assert answer.status == 200
    assert took < 1.0
    assert anomaly.reference in seen(reply.params)


def test_a_cancellation_clicked_while_the_base_is_busy_is_acknowledged_and_explained_in_french(running):
    slack, context = running
    [anomaly] = declare(context, "Tarifs")
    lock = HeldLock(context.store.engine.url.database)
    try:
        answer, took = timed(lambda: slack.click(DetailIds.CONFIRM_CANCEL, anomaly.reference))
        told = slack.fake.next("response_url", timeout=SLACK_DEADLINE)
    finally:
        lock.release()

    assert answer.status == 200
    assert took < SLACK_DEADLINE - 0.5
    assert BUSY in seen(told.params)
    still = show_anomaly(reference=anomaly.reference, member=ALICE_MEMBER, uow=context.store.reader())
    assert still.status is Status.BLOCKED_NO_RECIPIENT
