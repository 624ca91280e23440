"""The HTTP app under 20 concurrent Slack clients: time from a signed `/ror anomalies statut=bloquee` to
Slack's HTTP 200 (the ack), against the same server running a bare Bolt app that only acknowledges.

Three processes besides the clients: the fake Slack Web API of the e2e tests (devtools/fake_slack.py),
the app server (bot.app.build_app + bot.server.wsgi_app under waitress, as `ror-bot run` serves it) and
the bare server. The app's peak RSS (VmHWM) is read from /proc before it is stopped.

    python -m benchmarks.slack_http fake-slack                       # prints its API URL
    python -m benchmarks.slack_http serve app|bare --port P --database-url URL --api-url URL
"""

import argparse
import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.generate import BENCH_EMAIL
from benchmarks.stats import percentile

SECRET = "benchmark-signing-secret"
TOKEN = "xoxb-benchmark"
USER = "UBENCH"
COMMAND_TEXT = "anomalies statut=bloquee"


def _signature(body: bytes, timestamp: int) -> str:
    import hashlib
    import hmac

    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the processes ------------------------------------------------------------------------------------


def run_fake_slack() -> None:
    sys.path.insert(0, os.getcwd())
    from devtools.fake_slack import FakeSlack

    fake = FakeSlack().start()
    fake.add_user(USER, BENCH_EMAIL, "Banc d'essai", "Banc", "Essai")
    print(fake.api_url, flush=True)
    # Keep only a bounded history of calls: thousands of requests would otherwise pile up.
    while True:
        time.sleep(5)
        with contextlib.suppress(Exception):
            fake.clear()


def run_server(kind: str, port: int, database_url: str, api_url: str) -> None:
    import logging

    import waitress
    from slack_bolt import App

    logging.basicConfig(level=logging.WARNING)
    if kind == "bare":
        from slack_bolt.adapter.wsgi import SlackRequestHandler
        from slack_sdk import WebClient

        bare = App(
            client=WebClient(token=TOKEN, base_url=api_url),
            signing_secret=SECRET,
            token_verification_enabled=False,
        )

        @bare.command("/ror")
        def _ack(ack: Any) -> None:
            ack()

        application: Any = SlackRequestHandler(bare)
    else:
        from bot.settings import Settings

        settings = Settings(
            database_url=database_url,
            slack_bot_token=TOKEN,  # type: ignore[arg-type]
            slack_signing_secret=SECRET,  # type: ignore[arg-type]
            slack_api_url=api_url,
            _env_file=None,  # type: ignore[call-arg]
        )
        # As `ror-bot run` serves it: worker processes ready, then waitress; SIGTERM stops it all.
        from bot.cli.serve import slack_runtime

        slack_runtime(settings, host="127.0.0.1", port=port, scheduler=False).run()
        return
    from bot.server import THREADS

    waitress.serve(application, host="127.0.0.1", port=port, threads=THREADS, ident="bench", _quiet=True)


# --- the clients ----------------------------------------------------------------------------------------


def _command_body(response_url: str, n: int) -> bytes:
    fields = {
        "token": "legacy",
        "team_id": "T0001",
        "team_domain": "ror",
        "channel_id": "C0BENCH",
        "channel_name": "bench",
        "user_id": USER,
        "user_name": "bench",
        "command": "/ror",
        "text": COMMAND_TEXT,
        "api_app_id": "A0001",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"trigger-{n}",
    }
    return urllib.parse.urlencode(fields).encode()


def _one_request(port: int, response_url: str, n: int) -> tuple[float, int]:
    body = _command_body(response_url, n)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": _signature(body, timestamp),
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        connection.close()
    return time.perf_counter() - started, status


def load(port: int, response_url: str, *, clients: int, per_client: int) -> dict[str, Any]:
    samples: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    counter = iter(range(10**9))

    def client() -> None:
        for _ in range(per_client):
            with lock:
                n = next(counter)
            elapsed, status = _one_request(port, response_url, n)
            with lock:
                samples.append(elapsed)
                statuses.append(status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {
        "requests": len(samples),
        "p50_ms": round(percentile(samples, 50) * 1000, 1),
        "p99_ms": round(percentile(samples, 99) * 1000, 1),
        "max_ms": round(max(samples) * 1000, 1),
        "errors": sum(1 for s in statuses if s != 200),
        "requests_per_s": round(len(samples) / wall, 1),
    }


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listing:
                found += [int(c) for c in listing.read().split()]
    except OSError:
        pass
    return found


def _tree_vm_hwm_mb(pid: int) -> float:
    """Peak RSS of the server and of its worker processes (bot.background), added up."""
    return round(_vm_hwm_mb(pid) + sum(_vm_hwm_mb(child) for child in _children(pid)), 1)


def _vm_hwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


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
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_listening(port: int, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def run_http(
    database_url: str, *, clients: int, per_client: int, say: Callable[[str], None]
) -> dict[str, Any]:
    rows = []
    peak: dict[str, float] = {}
    with _process(["fake-slack"], read_line=True) as (_fake, api_url):
        response_url = api_url.replace("/api/", "/response/bench")
        for kind, label in (
            ("app", "ROR app: /ror anomalies statut=bloquee"),
            ("bare", "bare Bolt app (ack only)"),
        ):
            port = _free_port()
            with _process(
                ["serve", kind, "--port", str(port), "--database-url", database_url, "--api-url", api_url]
            ) as (server, _):
                _wait_until_listening(port, server)
                load(port, response_url, clients=clients, per_client=max(2, per_client // 10))  # warm-up
                row = {
                    "label": label,
                    "kind": kind,
                    **load(port, response_url, clients=clients, per_client=per_client),
                }
                peak[kind] = _vm_hwm_mb(server.pid)
                peak[kind + "_tree"] = _tree_vm_hwm_mb(server.pid)
            say(
                f"  {label:40} p50 {row['p50_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms  "
                f"errors {row['errors']}  ({row['requests_per_s']} req/s)"
            )
            rows.append(row)
    ours, bare = rows[0], rows[1]
    return {
        "clients": clients,
        "rows": rows,
        "ratio_p99": round(ours["p99_ms"] / bare["p99_ms"], 2) if bare["p99_ms"] else None,
        "ratio_p50": round(ours["p50_ms"] / bare["p50_ms"], 2) if bare["p50_ms"] else None,
        "peak_rss_mb": peak.get("app"),
        "peak_rss_with_workers_mb": peak.get("app_tree"),
    }


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
    sys.exit(json.dumps(main()) and 0)
