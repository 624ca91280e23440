"""The Slack app over HTTP, as `ror-bot run` serves it, measured the way Slack and its users see it.

Processes besides the clients: a fake Slack Web API (devtools/fake_slack.py, extended here to count what
it receives per request instead of keeping a history), the app server (bot.cli.serve.slack_runtime:
store, worker processes, waitress — `ror-bot run` without the scheduler) and a bare Bolt app that only
acknowledges, on the same waitress stack.

- **Ack**: rounds of 20 concurrent clients each sending signed `/ror anomalies statut=bloquee`; rounds of
  ours and of the bare app alternate (ours first, then bare first, …). After each round of ours, every
  answer is waited for: exactly one post per response URL, with the right text (the total the domain
  service gives for that filter); missing, duplicated or wrong answers are counted, and the answer delay
  (request sent → answer received by the fake Slack) is reported.
- **Cold start**: a fresh app server; as soon as /healthz answers 200, one command, then one per client at
  once: their acks.
- **Declaring over HTTP**: clients loop for `declare_seconds`: `/ror declarer <structure>` (the modal opens
  through views.open, read back from the fake Slack), then the signed view_submission of one data item; its
  ack must carry the confirmation. Then the DM and the App Home refresh of each declaration must arrive.
- **Memory**: the app server's whole process tree (serving process, worker processes, multiprocessing's
  resource tracker), from /proc.

Every figure is taken more than once, with the load average beside it (benchmarks.stats).

    python -m benchmarks.slack_http fake-slack                       # prints its API URL
    python -m benchmarks.slack_http serve app|bare --port P --database-url URL --api-url URL
"""

import argparse
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import text

from benchmarks.generate import BENCH_EMAIL, BENCH_MEMBER
from benchmarks.stats import load_average, percentile, spread, tree_memory_mb
from storage import open_store

SECRET = "benchmark-signing-secret"
TOKEN = "xoxb-benchmark"
USER = "UBENCH"
COMMAND_TEXT = "anomalies statut=bloquee"
# The *Système déclarant* of what the HTTP declaring writes: removed afterwards by that name.
BENCH_SYSTEM = "Benchmark HTTP (issue 11)"
VIEW_PREFIX = "VBENCH"
REFERENCE = re.compile(r"ANO_\d{12}")
ANSWER_WAIT_SECONDS = 180.0


def _signature(body: bytes, timestamp: int) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the fake Slack ----------------------------------------------------------------------------------


def run_fake_slack() -> None:
    """The e2e tests' fake Slack, counting per request what it receives (GET /bench/… reads the counts)."""
    sys.path.insert(0, os.getcwd())
    from devtools.fake_slack import Call, FakeSlack

    class BenchSlack(FakeSlack):
        def __init__(self) -> None:
            super().__init__(max_calls=200)  # the tallies below are what the benchmark reads
            self.reset()

        def reset(self) -> None:
            with self._lock:
                self.answers: dict[str, list[tuple[float, str]]] = {}  # response id → (when, text)
                self.dms: dict[str, list[float]] = {}  # first reference in the DM → when
                self.published: list[float] = []
                self.opened: dict[str, dict[str, Any]] = {}  # trigger_id → view

        def _record(self, call: Call) -> None:
            now = time.time()
            with self._lock:
                if call.method == "response_url":
                    response_id = call.path.rsplit("/", 1)[1]
                    self.answers.setdefault(response_id, []).append((now, str(call.params.get("text"))))
                elif call.method == "chat.postMessage":
                    found = REFERENCE.search(str(call.params.get("text") or ""))
                    self.dms.setdefault(found.group(0) if found else "", []).append(now)
                elif call.method == "views.publish":
                    self.published.append(now)
                elif call.method == "views.open":
                    self.opened[str(call.params.get("trigger_id"))] = call.params.get("view") or {}
            super()._record(call)

        def _handle(self, handler: Any) -> None:
            path = urllib.parse.urlsplit(handler.path)
            if not path.path.startswith("/bench/"):
                super()._handle(handler)
                return
            query = dict(urllib.parse.parse_qsl(path.query))
            if path.path == "/bench/reset":
                self.reset()
                self._send(handler, 200, {"ok": True})
            elif path.path == "/bench/tally":
                with self._lock:
                    tally = {
                        "answers": self.answers,
                        "dms": self.dms,
                        "published": self.published,
                    }
                    self._send(handler, 200, tally)
            elif path.path == "/bench/view":
                deadline = time.monotonic() + 30
                with self._lock:
                    while query["trigger"] not in self.opened and time.monotonic() < deadline:
                        self._lock.wait(0.5)
                    view = self.opened.pop(query["trigger"], None)
                self._send(handler, 200 if view else 404, view or {})

    fake = BenchSlack().start()
    fake.add_user(USER, BENCH_EMAIL, "Banc d'essai", "Banc", "Essai")
    print(fake.api_url, flush=True)
    threading.Event().wait()


def _fake(api_url: str, what: str, **query: str) -> Any:
    url = urllib.parse.urlsplit(api_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=60)
    try:
        connection.request("GET", f"/bench/{what}?{urllib.parse.urlencode(query)}")
        response = connection.getresponse()
        return json.loads(response.read() or b"null") if response.status == 200 else None
    finally:
        connection.close()


# --- the servers -----------------------------------------------------------------------------------------


def run_server(kind: str, port: int, database_url: str, api_url: str) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    if kind == "bare":
        import waitress
        from slack_bolt import App
        from slack_bolt.adapter.wsgi import SlackRequestHandler
        from slack_sdk import WebClient

        from bot.server import THREADS

        bare = App(
            client=WebClient(token=TOKEN, base_url=api_url),
            signing_secret=SECRET,
            token_verification_enabled=False,
        )

        @bare.command("/ror")
        def _ack(ack: Any) -> None:
            ack()

        waitress.serve(
            SlackRequestHandler(bare),
            host="127.0.0.1",
            port=port,
            threads=THREADS,
            ident="bench",
            _quiet=True,
        )
        return
    from bot.cli.serve import slack_runtime
    from bot.settings import Settings

    settings = Settings(
        database_url=database_url,
        slack_bot_token=TOKEN,  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=api_url,
        ror_system_name=BENCH_SYSTEM,
        _env_file=None,  # type: ignore[call-arg]
    )
    # As `ror-bot run` serves it: worker processes ready, then waitress; SIGTERM stops it all.
    slack_runtime(settings, host="127.0.0.1", port=port, scheduler=False).run()


@contextlib.contextmanager
def _process(args: list[str], *, read_line: bool = False) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.slack_http", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        first = process.stdout.readline().strip() if read_line and process.stdout else ""
        yield process, first
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _serve(kind: str, database_url: str, api_url: str) -> tuple[list[str], int]:
    port = _free_port()
    return ["serve", kind, "--port", str(port), "--database-url", database_url, "--api-url", api_url], port


def _wait_until_healthy(
    port: int, process: subprocess.Popen[str], *, health: bool, timeout: float = 180
) -> None:
    """Until /healthz answers 200 (ours) or something listens (the bare app, which has no /healthz)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped before listening")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                if not health:
                    connection.connect()
                    return
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            finally:
                connection.close()
        time.sleep(0.02)
    raise RuntimeError(f"nothing healthy on port {port}")


# --- the clients ----------------------------------------------------------------------------------------


def _post(port: int, body: bytes, content_type: str) -> tuple[float, int, bytes]:
    """A signed POST to /slack/events on a new connection (as Slack opens them): (seconds, status, body)."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": _signature(body, timestamp),
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        status = response.status
    except OSError:
        status, answer = 0, b""
    finally:
        connection.close()
    return time.perf_counter() - started, status, answer


def _command(port: int, response_url: str, command_text: str, trigger: str) -> tuple[float, int, bytes]:
    fields = {
        "token": "legacy",
        "team_id": "T0001",
        "team_domain": "ror",
        "channel_id": "C0BENCH",
        "channel_name": "bench",
        "user_id": USER,
        "user_name": "bench",
        "command": "/ror",
        "text": command_text,
        "api_app_id": "A0001",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger,
    }
    return _post(port, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")


def _submission(
    port: int, view: dict[str, Any], values: dict[str, Any], trigger: str
) -> tuple[float, int, bytes]:
    payload = {
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "ror"},
        "user": {"id": USER, "username": "bench", "name": "bench", "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": trigger,
        "view": {**view, "state": {"values": values}},
        "response_urls": [],
        "is_enterprise_install": False,
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    return _post(port, body, "application/x-www-form-urlencoded")


def _in_threads(clients: int, work: Callable[[int], None]) -> float:
    threads = [threading.Thread(target=work, args=(index,)) for index in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def _ms(value: float) -> float:
    return round(value * 1000, 1)


# --- ack rounds -------------------------------------------------------------------------------------------


def ack_round(
    port: int, api_url: str, *, tag: str, clients: int, per_client: int, expected: str | None
) -> dict[str, Any]:
    """One round of `clients` × `per_client` commands; with `expected` (ours), every answer checked."""
    response_base = api_url.replace("/api/", "/response/")
    samples: list[float] = []
    sent: dict[str, float] = {}
    errors = 0
    lock = threading.Lock()
    load = load_average()

    def client(index: int) -> None:
        nonlocal errors
        for n in range(per_client):
            request_id = f"{tag}-{index}-{n}"
            with lock:
                sent[request_id] = time.time()
            elapsed, status, _ = _command(
                port, response_base + request_id, COMMAND_TEXT, f"trig-{request_id}"
            )
            with lock:
                samples.append(elapsed)
                errors += status != 200

    wall = _in_threads(clients, client)
    row: dict[str, Any] = {
        "requests": len(samples),
        "p50_ms": _ms(percentile(samples, 50)),
        "p95_ms": _ms(percentile(samples, 95)),
        "p99_ms": _ms(percentile(samples, 99)),
        "max_ms": _ms(max(samples)),
        "errors": errors,
        "requests_per_s": round(len(samples) / wall, 1),
        "load": load,
        "samples_ms": [_ms(sample) for sample in samples],
    }
    if expected is not None:
        row.update(_answers(api_url, sent, expected))
    return row


def _answers(api_url: str, sent: dict[str, float], expected: str) -> dict[str, Any]:
    """Wait for one answer per request; count the missing, duplicated and wrong ones; their delays."""
    deadline = time.monotonic() + ANSWER_WAIT_SECONDS
    while True:
        answers = _fake(api_url, "tally")["answers"]
        arrived = sum(1 for request_id in sent if request_id in answers)
        if arrived == len(sent) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    time.sleep(0.5)  # a duplicate would come right after
    answers = _fake(api_url, "tally")["answers"]
    delays, missing, duplicated, wrong = [], 0, 0, 0
    for request_id, when in sent.items():
        got = answers.get(request_id) or []
        if not got:
            missing += 1
            continue
        duplicated += len(got) > 1
        wrong += any(answer_text != expected for _, answer_text in got)
        delays.append(got[0][0] - when)
    _fake(api_url, "reset")
    return {
        "answers": len(delays),
        "missing": missing,
        "duplicated": duplicated,
        "wrong": wrong,
        "answer_p50_ms": _ms(percentile(delays, 50)),
        "answer_p95_ms": _ms(percentile(delays, 95)),
        "answer_max_ms": _ms(max(delays)) if delays else None,
    }


def expected_answer(database_url: str) -> str:
    """What `/ror anomalies statut=bloquee` must say to the benchmark's national member."""
    from bot.views.listing import list_text
    from domain.filters import parse_filter_words
    from domain.services import list_anomalies

    store = open_store(database_url)
    try:
        page = list_anomalies(
            flt=parse_filter_words(["statut=bloquee"]), member=BENCH_MEMBER, uow=store.reader()
        )
    finally:
        store.dispose()
    return list_text(page)


# --- cold start ----------------------------------------------------------------------------------------


def cold_start(database_url: str, api_url: str, *, clients: int) -> dict[str, Any]:
    """A fresh app server: the ack of the first command once /healthz says 200, then `clients` at once."""
    args, port = _serve("app", database_url, api_url)
    response_base = api_url.replace("/api/", "/response/")
    with _process(args) as (server, _):
        _wait_until_healthy(port, server, health=True)
        load = load_average()
        first, status, _ = _command(port, response_base + "cold-0", COMMAND_TEXT, "trig-cold-0")
        burst: list[float] = []
        lock = threading.Lock()

        def client(index: int) -> None:
            elapsed, _, _ = _command(
                port, response_base + f"cold-{index + 1}", COMMAND_TEXT, f"trig-c{index}"
            )
            with lock:
                burst.append(elapsed)

        _in_threads(clients, client)
        memory = tree_memory_mb(server.pid)
    _fake(api_url, "reset")
    return {
        "first_ack_ms": _ms(first),
        "first_status": status,
        "burst_p50_ms": _ms(percentile(burst, 50)),
        "burst_max_ms": _ms(max(burst)),
        "cold_max_ms": _ms(max([first, *burst])),
        "memory_after_mb": memory["rss_mb"],
        "load": load,
    }


# --- declaring through the modal -------------------------------------------------------------------------


def _structures(database_url: str, how_many: int, seed: int) -> list[str]:
    store = open_store(database_url, upgrade_schema=False)
    try:
        with store.engine.connect() as connection:
            ids = connection.execute(
                text(
                    "SELECT resource_id FROM directory_resources WHERE kind = 'Structure' ORDER BY id LIMIT :n"
                ),
                {"n": how_many * 20},
            ).scalars()
            found = list(ids)
    finally:
        store.dispose()
    random.Random(seed).shuffle(found)
    return found[:how_many]


def _form_values(view: dict[str, Any], n: int) -> dict[str, Any] | None:
    """One data item chosen, with its description; None if the view is not the declaration form."""
    items = next((b for b in view.get("blocks") or [] if b.get("block_id") == "declare-items"), None)
    if items is None:
        return None
    option = items["element"]["options"][n % len(items["element"]["options"])]
    return {
        "declare-items": {
            "declare-items-select": {"type": "multi_static_select", "selected_options": [option]}
        },
        f"declare-description-{option['value']}": {
            "declare-description-input": {
                "type": "plain_text_input",
                "value": f"Anomalie de banc d'essai {n}.",
            }
        },
    }


def declare_round(
    port: int, api_url: str, structures: list[str], *, tag: str, clients: int, seconds: float
) -> dict[str, Any]:
    """Clients declaring through the modal for `seconds`; then every DM and App Home refresh awaited."""
    response_base = api_url.replace("/api/", "/response/")
    command_acks: list[float] = []
    submit_acks: list[float] = []
    declared: dict[str, float] = {}  # reference → when its submission was acknowledged
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(10**9))
    load = load_average()
    deadline = time.monotonic() + seconds

    def client(_index: int) -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            trigger = f"trig-{tag}-{n}"
            elapsed, status, _ = _command(
                port, response_base + f"{tag}-d{n}", f"declarer {structures[n % len(structures)]}", trigger
            )
            view = _fake(api_url, "view", trigger=trigger) if status == 200 else None
            values = _form_values(view, n) if view else None
            if values is None:
                with lock:
                    failures.append(f"no form for {trigger} (status {status})")
                continue
            view = {**view, "id": f"{VIEW_PREFIX}{tag}{n}", "hash": "h"}
            submitted, status, body = _submission(port, view, values, f"trig-{tag}-s{n}")
            answer = json.loads(body or b"{}") if status == 200 else {}
            references = REFERENCE.findall(json.dumps(answer.get("view") or {}))
            with lock:
                command_acks.append(elapsed)
                if answer.get("response_action") != "update" or not references:
                    failures.append(f"submission {n}: {status} {str(answer)[:200]}")
                    continue
                submit_acks.append(submitted)
                declared[references[0]] = time.time()

    wall = _in_threads(clients, client)
    # Every declaration's DM (found by its reference) and App Home refresh.
    wait_until = time.monotonic() + ANSWER_WAIT_SECONDS
    while True:
        tally = _fake(api_url, "tally")
        if (
            all(reference in tally["dms"] for reference in declared)
            and len(tally["published"]) >= len(declared)
        ) or time.monotonic() > wait_until:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    tally = _fake(api_url, "tally")
    _fake(api_url, "reset")
    dm_delays = [tally["dms"][r][0] - when for r, when in declared.items() if r in tally["dms"]]
    return {
        "seconds": round(wall, 1),
        "declarations": len(declared),
        "declarations_per_s": round(len(declared) / wall, 1),
        "failures": len(failures),
        "failure_examples": failures[:3],
        "command_ack_p99_ms": _ms(percentile(command_acks, 99)),
        "submit_ack_p50_ms": _ms(percentile(submit_acks, 50)),
        "submit_ack_p99_ms": _ms(percentile(submit_acks, 99)),
        "dms": len(dm_delays),
        "dms_duplicated": sum(1 for r in declared if len(tally["dms"].get(r, [])) > 1),
        "app_home_refreshes": len(tally["published"]),
        "dm_delay_p50_ms": _ms(percentile(dm_delays, 50)),
        "dm_delay_p95_ms": _ms(percentile(dm_delays, 95)),
        "load": load,
    }


def _max_outbox_id(database_url: str) -> int:
    store = open_store(database_url, upgrade_schema=False)
    try:
        with store.engine.connect() as connection:
            return int(connection.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar() or 0)
    finally:
        store.dispose()


def clean_up(database_url: str, *, outbox_after: int) -> int:
    """Remove what declaring over HTTP wrote (by its *Système déclarant*), so the dataset is the generated
    one again; the number of anomalies removed."""
    from storage.maintenance import rebuild_counts_sql

    store = open_store(database_url, upgrade_schema=False)
    try:
        with store.engine.begin() as connection:
            connection.execute(
                text(
                    "DELETE FROM anomaly_history WHERE anomaly_number IN (SELECT number FROM anomalies WHERE declaring_system = :s)"
                ),
                {"s": BENCH_SYSTEM},
            )
            removed = connection.execute(
                text("DELETE FROM anomalies WHERE declaring_system = :s"), {"s": BENCH_SYSTEM}
            )
            connection.execute(
                text("DELETE FROM declarations WHERE key LIKE :k"), {"k": f"slack:{VIEW_PREFIX}%"}
            )
            connection.execute(text("DELETE FROM outbox WHERE id > :n"), {"n": outbox_after})
            connection.execute(text("DELETE FROM replay_keys WHERE key LIKE 'trigger:trig-%'"))
            for statement in rebuild_counts_sql():
                connection.execute(text(statement))
            return int(removed.rowcount or 0)
    finally:
        store.dispose()


# --- the whole section ------------------------------------------------------------------------------------


def run_http(
    database_url: str,
    *,
    clients: int,
    per_client: int,
    say: Callable[[str], None],
    rounds: int = 5,
    cold_starts: int = 3,
    declare_rounds: int = 3,
    declare_seconds: float = 30.0,
    declare_clients: int = 4,
) -> dict[str, Any]:
    expected = expected_answer(database_url)
    # In every trigger_id: a copy of an earlier run's request would be dropped as a replay (bot.replays).
    run = f"{int(time.time()):x}"
    report: dict[str, Any] = {"clients": clients, "per_client": per_client, "expected_answer": expected}
    with _process(["fake-slack"], read_line=True) as (_fake_process, api_url):
        ours_args, ours_port = _serve("app", database_url, api_url)
        bare_args, bare_port = _serve("bare", database_url, api_url)
        with _process(ours_args) as (ours, _), _process(bare_args) as (bare, _):
            _wait_until_healthy(ours_port, ours, health=True)
            _wait_until_healthy(bare_port, bare, health=False)
            for port, expect in ((ours_port, expected), (bare_port, None)):  # warm-up, not reported
                ack_round(port, api_url, tag=f"{run}warm", clients=clients, per_client=2, expected=expect)
            pairs = []
            for index in range(rounds):
                order = [("app", ours_port), ("bare", bare_port)]
                if index % 2:
                    order.reverse()
                pair: dict[str, Any] = {}
                for kind, port in order:
                    pair[kind] = ack_round(
                        port,
                        api_url,
                        tag=f"{run}r{index}{kind}",
                        clients=clients,
                        per_client=per_client,
                        expected=expected if kind == "app" else None,
                    )
                pair["ratio_p99"] = round(pair["app"]["p99_ms"] / pair["bare"]["p99_ms"], 2)
                pair["memory"] = tree_memory_mb(ours.pid)
                pairs.append(pair)
                a, b = pair["app"], pair["bare"]
                say(
                    f"  round {index + 1}: ours p50/p99 {a['p50_ms']}/{a['p99_ms']} ms, bare {b['p50_ms']}/"
                    f"{b['p99_ms']} ms, ratio p99 {pair['ratio_p99']}; answers {a['answers']}/{a['requests']} "
                    f"(missing {a['missing']}, duplicated {a['duplicated']}, wrong {a['wrong']}), answer "
                    f"p50/p95 {a['answer_p50_ms']}/{a['answer_p95_ms']} ms; load {a['load']}"
                )
            report["rounds"] = pairs
            structures = _structures(database_url, 500, seed=11)
            declaring = []
            outbox_after = _max_outbox_id(database_url)
            try:
                for index in range(declare_rounds):
                    row = declare_round(
                        ours_port,
                        api_url,
                        structures,
                        tag=f"{run}D{index}",
                        clients=declare_clients,
                        seconds=declare_seconds,
                    )
                    row["memory"] = tree_memory_mb(ours.pid)
                    declaring.append(row)
                    say(
                        f"  declaring {index + 1}: {row['declarations']} in {row['seconds']} s = "
                        f"{row['declarations_per_s']}/s, submit ack p50/p99 {row['submit_ack_p50_ms']}/"
                        f"{row['submit_ack_p99_ms']} ms, DMs {row['dms']}/{row['declarations']} (p95 "
                        f"{row['dm_delay_p95_ms']} ms), App Home {row['app_home_refreshes']}, failures "
                        f"{row['failures']}; load {row['load']}"
                    )
            finally:
                report["declared_removed"] = clean_up(database_url, outbox_after=outbox_after)
            report["declaring"] = declaring
            report["memory"] = tree_memory_mb(ours.pid)
        colds = []
        for index in range(cold_starts):
            row = cold_start(database_url, api_url, clients=clients)
            colds.append(row)
            say(
                f"  cold start {index + 1}: first ack {row['first_ack_ms']} ms, then {clients} at once: max "
                f"{row['burst_max_ms']} ms; load {row['load']}"
            )
        report["cold_starts"] = colds
    report["summary"] = summarise(report)
    return report


def summarise(report: dict[str, Any]) -> dict[str, Any]:
    """Each figure over its repetitions: min, median, max (benchmarks.stats.spread), loads beside."""
    pairs, declaring, colds = report["rounds"], report.get("declaring") or [], report.get("cold_starts") or []
    app = [p["app"] for p in pairs]
    bare = [p["bare"] for p in pairs]
    summary = {
        "rounds": len(pairs),
        "ours_p50_ms": spread([r["p50_ms"] for r in app], digits=1),
        "ours_p99_ms": spread([r["p99_ms"] for r in app], digits=1),
        "bare_p50_ms": spread([r["p50_ms"] for r in bare], digits=1),
        "bare_p99_ms": spread([r["p99_ms"] for r in bare], digits=1),
        "ratio_p99": spread([p["ratio_p99"] for p in pairs]),
        # Every round's acks pooled: the p99 of thousands of acks rather than of 600.
        "pooled_ours_p99_ms": percentile([x for r in app for x in r["samples_ms"]], 99),
        "pooled_bare_p99_ms": percentile([x for r in bare for x in r["samples_ms"]], 99),
        "errors": sum(r["errors"] for r in app + bare),
        "answers_missing": sum(r["missing"] for r in app),
        "answers_duplicated": sum(r["duplicated"] for r in app),
        "answers_wrong": sum(r["wrong"] for r in app),
        "answer_p95_ms": spread([r["answer_p95_ms"] for r in app], digits=1),
        "answer_max_ms": spread([r["answer_max_ms"] or 0.0 for r in app], digits=1),
        "cold_first_ack_ms": spread([c["first_ack_ms"] for c in colds], digits=1),
        "cold_max_ack_ms": spread([c["cold_max_ms"] for c in colds], digits=1),
        "declarations_per_s": spread([d["declarations_per_s"] for d in declaring], digits=1),
        "declare_submit_ack_p99_ms": spread([d["submit_ack_p99_ms"] for d in declaring], digits=1),
        "declare_dm_delay_p95_ms": spread([d["dm_delay_p95_ms"] for d in declaring], digits=1),
        "declare_failures": sum(d["failures"] for d in declaring),
        "declare_dms_missing": sum(d["declarations"] - d["dms"] for d in declaring),
        "memory_tree_peak_mb": spread(
            [p["memory"]["peak_rss_mb"] for p in pairs] + [d["memory"]["peak_rss_mb"] for d in declaring],
            digits=0,
        ),
        "memory_tree_rss_mb": spread(
            [p["memory"]["rss_mb"] for p in pairs] + [d["memory"]["rss_mb"] for d in declaring], digits=0
        ),
        "memory_processes": report.get("memory", {}).get("processes"),
        "loads_1min": spread(
            [r["load"][0] for r in app + bare if r["load"]] + [d["load"][0] for d in declaring if d["load"]]
        ),
    }
    summary["pooled_ratio_p99"] = round(summary["pooled_ours_p99_ms"] / summary["pooled_bare_p99_ms"], 2)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.slack_http")
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("fake-slack")
    serve = sub.add_parser("serve")
    serve.add_argument("kind", choices=("app", "bare"))
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--database-url", required=True)
    serve.add_argument("--api-url", required=True)
    args = parser.parse_args()
    if args.what == "fake-slack":
        run_fake_slack()
    else:
        run_server(args.kind, args.port, args.database_url, args.api_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
