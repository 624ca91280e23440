"""Serving the app, as runtime components: HTTP (waitress, several threads: POST /slack/events, GET
/healthz) or Socket Mode. Each starts last (everything else is ready) and stops first: no new request,
the ones in flight finished (within the grace period), then the app's listeners after their ack."""

import errno
import gc
import hashlib
import hmac
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from typing import Any
from urllib.error import URLError

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError
from waitress import wasyncore
from waitress.server import create_server

from bot.context import AppContext
from bot.forwarding import Forwarding
from bot.router import Router
from bot.routes import build_router
from bot.runtime import within
from bot.settings import ConfigurationError
from bot.signing import SlackSignature
from storage.database import Health

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
THREADS = 8
# Slack's largest payloads (a modal's state with 13 descriptions of 800 characters) are far below this.
MAX_BODY_BYTES = 1024 * 1024

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _json(start_response: StartResponse, status: str, payload: dict[str, str]) -> list[bytes]:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    start_response(
        status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _acknowledged(start_response: StartResponse) -> list[bytes]:
    """What Bolt answers for `ack()` with nothing to say: 200, empty."""
    start_response("200 OK", [("Content-Type", "text/plain;charset=utf-8"), ("Content-Length", "0")])
    return [b""]


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """The request body, or None when its announced length is missing, malformed or too large."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length < 0 or length > MAX_BODY_BYTES:
        return None
    stream = environ.get("wsgi.input")
    return stream.read(length) if stream is not None and length else b""


def wsgi_app(
    app: App, context: AppContext, *, stopping: threading.Event | None = None, router: Router | None = None
) -> WsgiApp:
    """One WSGI application: Slack's requests go to Bolt, /healthz answers with the database status.

    Every request to /slack/events has its signature checked here, before Bolt: an unverified request
    gets 401 and reaches no middleware, listener or error handler, so nothing is ever sent to a
    response URL or a user named in a body we cannot trust.

    With worker processes (`context.background`), a verified request that needs nothing of this process
    is acknowledged here and handed to a worker without going through Bolt (bot.forwarding); `router`
    is the app's (by default one built the same way).

    Once `stopping` is set, /healthz answers 503: a load balancer sends no more requests."""
    slack = SlackRequestHandler(app)
    signature = SlackSignature(context.settings.require_signing_secret())
    stopping = stopping or threading.Event()

    def here(body: bytes, headers: dict[str, str]) -> None:
        copied: dict[str, str | Sequence[str]] = {name: value for name, value in headers.items()}  # noqa: C416
        app.dispatch(BoltRequest(body=body.decode("utf-8"), headers=copied, mode="http"))

    forwarding = Forwarding(router or build_router(), here=here)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            if stopping.is_set():
                return _json(start_response, "503 Service Unavailable", {"status": "arrêt en cours"})
            health = context.store.health()  # within a second, even while another writer holds SQLite
            if health is Health.OK:
                return _json(start_response, "200 OK", {"status": "ok", "database": "ok"})
            return _json(start_response, "503 Service Unavailable", {"status": "error", "database": health})
        if path == EVENTS_PATH:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "POST attendu"})
            body = _read_body(environ)
            if body is None:
                return _json(start_response, "413 Content Too Large", {"error": "requête trop volumineuse"})
            if not signature.verifies(
                body,
                timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                signature=environ.get("HTTP_X_SLACK_SIGNATURE"),
            ):
                logger.warning("Requête refusée : signature Slack absente, invalide ou périmée")
                return _json(start_response, "401 Unauthorized", {"error": "signature invalide"})
            headers = {
                "content-type": environ.get("CONTENT_TYPE", ""),
                "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
                "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            }
            if forwarding.forwarded(body, headers, context.background):
                return _acknowledged(start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            return slack(environ, start_response)
        return _json(start_response, "404 Not Found", {"error": "introuvable"})

    return application


def drain(app: App, *, deadline: float) -> None:
    """Let the listeners' work after their ack (answers through response URLs, DMs) finish."""
    executor: Executor = app.listener_runner.listener_executor
    within(deadline, "traitements Slack en cours", lambda: executor.shutdown(wait=True))


class HttpServer:
    """HTTP mode: waitress on `host:port` (port 0: any free port, see `port` once started)."""

    name = "serveur HTTP"

    def __init__(
        self, app: App, context: AppContext, *, host: str, port: int, threads: int = THREADS
    ) -> None:
        self.app = app
        self.context = context
        self.host = host
        self.port = port
        self.threads = threads
        self.stopping = threading.Event()
        # waitress's server: its loop, trigger and channels are used as waitress itself uses them (the
        # published stubs do not describe them).
        self._server: Any = None
        self._loop: threading.Thread | None = None

    def start(self) -> None:
        application = wsgi_app(self.app, self.context, stopping=self.stopping)
        _warm(application, self.context)
        # Everything loaded so far (modules, the app, the store) lives as long as the process: out of the
        # garbage collector's sight, so a full collection no longer walks it in the middle of an ack.
        gc.collect()
        gc.freeze()
        try:
            server: Any = create_server(
                application, host=self.host, port=self.port, threads=self.threads, ident="ror-bot"
            )
        except OSError as error:
            raise ConfigurationError(_port_problem(self.host, self.port, error)) from error
        self._server = server
        self.port = int(server.effective_port)
        self._loop = threading.Thread(target=server.run, name="ror-http", daemon=True)
        self._loop.start()
        logger.info(
            "ROR Anomalies : mode HTTP sur http://%s:%s%s (santé : %s)",
            self.host,
            self.port,
            EVENTS_PATH,
            HEALTH_PATH,
        )

    def stop(self, *, deadline: float) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.stopping.set()
        # In waitress's loop thread (its sockets are not thread-safe): no new connection; keep-alive
        # connections closed as soon as they have answered their request.
        server.trigger.pull_trigger(lambda: _stop_accepting(server))
        while not _idle(server) and time.monotonic() < deadline:
            time.sleep(0.05)
            server.trigger.pull_trigger(lambda: _close_idle(server))
        if not _idle(server):
            logger.warning("Requêtes HTTP encore en cours à la fin du délai d'arrêt : abandonnées")
        drain(self.app, deadline=deadline)
        server.trigger.pull_trigger(lambda: _close_all(server))
        if self._loop is not None:
            self._loop.join(timeout=max(0.1, deadline - time.monotonic()))
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=max(1, int(deadline - time.monotonic())))
        logger.info("Serveur HTTP arrêté")


def _warm(application: WsgiApp, context: AppContext) -> None:
    """Before listening: one /healthz (a pooled database connection) and one signed `ssl_check` through
    Bolt (its middleware and everything they import), so the first request from Slack pays for none of
    it."""
    secret = context.settings.require_signing_secret().encode()
    body = b"ssl_check=1&token=warm-up"
    stamp = str(int(time.time()))
    signature = "v0=" + hmac.new(secret, f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    common = {
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "0",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "QUERY_STRING": "",
    }
    requests: list[dict[str, Any]] = [
        {**common, "PATH_INFO": HEALTH_PATH, "REQUEST_METHOD": "GET"},
        {
            **common,
            "PATH_INFO": EVENTS_PATH,
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
            "HTTP_X_SLACK_SIGNATURE": signature,
            "wsgi.input": io.BytesIO(body),
        },
    ]
    answers: list[str] = []
    for environ in requests:
        list(application(environ, lambda status, _headers, *_: answers.append(status)))
    logger.debug("Préchauffage : %s", answers)


def _stop_accepting(server: Any) -> None:
    server.accepting = False
    # The listening socket only: BaseWSGIServer.close would also close the trigger, still needed.
    wasyncore.dispatcher.close(server)
    _close_idle(server)


def _close_idle(server: Any) -> None:
    """Keep-alive connections with nothing to answer: closed (waitress closes a channel marked so)."""
    for channel in list(server.active_channels.values()):
        if not channel.requests and not channel.total_outbufs_len:
            channel.will_close = True


def _idle(server: Any) -> bool:
    """No request queued or being answered, and every answer sent."""
    dispatcher = server.task_dispatcher
    if dispatcher.queue or dispatcher.active_count:
        return False
    return not any(
        channel.requests or channel.total_outbufs_len for channel in list(server.active_channels.values())
    )


def _close_all(server: Any) -> None:
    for channel in list(server._map.values()):
        if channel is not server.trigger:
            channel.close()
    server.trigger.close()  # the loop ends with its last socket


def _port_problem(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"Le port {port} est déjà utilisé sur {host} : arrêtez l'autre programme ou choisissez un autre port (PORT ou --port)."
    if error.errno == errno.EACCES:
        return f"Le port {port} est réservé (moins de 1024) : choisissez un port au-dessus de 1023 (PORT ou --port)."
    if error.errno == errno.EADDRNOTAVAIL or (isinstance(error, OSError) and "getaddrinfo" in str(error)):
        return (
            f"L'adresse d'écoute {host} n'existe pas sur cette machine (--host) : {error.strerror or error}."
        )
    return f"Impossible d'écouter sur {host}:{port} (PORT ou --port) : {error.strerror or error}."


class SocketModeServer:
    """Socket Mode: a WebSocket opened by the app (no public URL needed)."""

    name = "Socket Mode"

    def __init__(self, app: App, context: AppContext) -> None:
        self.app = app
        self.context = context
        self._handler: SocketModeHandler | None = None

    def start(self) -> None:
        token = self.context.settings.slack_app_token
        assert token is not None
        handler = SocketModeHandler(self.app, token.get_secret_value())
        try:
            handler.connect()  # type: ignore[no-untyped-call]
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else "erreur inconnue"
            raise ConfigurationError(
                f"Slack refuse le jeton SLACK_APP_TOKEN ({code}) : copiez le jeton d'application (xapp-…) "
                "de la page « Basic Information » de l'app, avec la permission connections:write."
            ) from error
        except (URLError, OSError) as error:
            raise ConfigurationError(
                f"Slack n'est pas joignable pour le Socket Mode (SLACK_APP_TOKEN) : {error}."
            ) from error
        self._handler = handler
        logger.info("ROR Anomalies : mode Socket Mode")

    def stop(self, *, deadline: float) -> None:
        handler, self._handler = self._handler, None
        if handler is not None:
            within(deadline, "Socket Mode", handler.close)
        drain(self.app, deadline=deadline)
