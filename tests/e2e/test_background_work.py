"""Read-only `/ror` commands answered by worker processes after the ack (bot.background)."""

import threading
import time

from bot.background import RequestJob, Task
from bot.worker import background_work
from tests.e2e.conftest import BOB
from tests.e2e.helpers import seen
from tests.e2e.serving import wait_until_gone


def test_a_listing_is_answered_by_a_worker_process_after_the_ack(slack, running):
    context = running[1]
    context.background = background_work(context.settings, workers=1)
    try:
        answer = slack.command("anomalies statut=bloquee")
        assert answer.status == 200
        assert answer.body in ("", b"")
        reply = slack.fake.next("response_url", timeout=30)
        assert "Anomalies de votre périmètre" in seen(reply.params)
    finally:
        context.background.shutdown()
        context.background = None


def test_an_unhabilitated_user_is_told_by_the_worker_too(slack, running):
    context = running[1]
    context.background = background_work(context.settings, workers=1)
    try:
        slack.command("anomalies", user=BOB)
        text = seen(slack.fake.next("response_url", timeout=30).params)
        assert "monserviceclient.ror@esante.gouv.fr" in text
        assert "Anomalies de votre périmètre" not in text
    finally:
        context.background.shutdown()
        context.background = None


def test_work_whose_worker_cannot_start_is_done_by_the_server_instead(running):
    context = running[1]
    broken = context.settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    work = background_work(broken, workers=1)
    done = threading.Event()
    try:
        submitted = work.submit(RequestJob(body="", content_type=""), fallback=done.set)
        if submitted:  # the usual case: the worker is still starting when the job is queued
            assert done.wait(timeout=60), "the fallback never ran"
        else:  # the pool was already known broken: refused, so the server runs the work itself
            assert not work.submit(Task(run=print, kwargs={}, what="rien"), fallback=done.set)
    finally:
        work.shutdown()


def test_the_pool_is_ready_once_every_worker_has_started(running):
    context = running[1]
    work = background_work(context.settings, workers=2)
    try:
        assert work.wait_ready(timeout=120)
        pids = {future.result() for future in work._ready}
        assert len(pids) == 2  # two processes, each past its start-up
    finally:
        work.shutdown(deadline=time.monotonic() + 30)
    assert wait_until_gone(pids) == set()


def test_a_pool_whose_workers_cannot_start_is_not_ready(running):
    broken = running[1].settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    work = background_work(broken, workers=1)
    try:
        assert not work.wait_ready(timeout=120)
    finally:
        work.shutdown(deadline=time.monotonic() + 30)
