"""Serving the app: HTTP (waitress, several threads: POST /slack/events, GET /healthz) or Socket Mode."""

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.context import AppContext
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


def wsgi_app(app: App, context: AppContext) -> WsgiApp:
    """One WSGI application: Slack's requests go to Bolt, /healthz answers with the database status.

    Every request to /slack/events has its signature checked here, before Bolt: an unverified request
    gets 401 and reaches no middleware, listener or error handler, so nothing is ever sent to a
    response URL or a user named in a body we cannot trust."""
    slack = SlackRequestHandler(app)
    signature = SlackSignature(context.settings.require_signing_secret())

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
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
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            return slack(environ, start_response)
        return _json(start_response, "404 Not Found", {"error": "introuvable"})

    return application


def serve_http(app: App, context: AppContext, *, host: str, port: int, threads: int = THREADS) -> None:
    """Blocks serving HTTP with waitress (a production WSGI server) until interrupted."""
    import waitress

    logger.info(
        "ROR Anomalies : mode HTTP sur http://%s:%s%s (santé : %s)", host, port, EVENTS_PATH, HEALTH_PATH
    )
    waitress.serve(wsgi_app(app, context), host=host, port=port, threads=threads, ident="ror-bot")


def serve_socket_mode(app: App, context: AppContext) -> None:
    """Blocks in Socket Mode (no public URL needed) until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    token = context.settings.slack_app_token
    assert token is not None
    logger.info("ROR Anomalies : mode Socket Mode")
    SocketModeHandler(app, token.get_secret_value()).start()  # type: ignore[no-untyped-call]
