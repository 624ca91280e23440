"""Serving the app: HTTP (waitress, several threads: POST /slack/events, GET /healthz) or Socket Mode."""

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.context import AppContext

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
THREADS = 8

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _json(start_response: StartResponse, status: str, payload: dict[str, str]) -> list[bytes]:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    start_response(
        status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def wsgi_app(app: App, context: AppContext) -> WsgiApp:
    """One WSGI application: Slack's requests go to Bolt, /healthz answers with the database status."""
    slack = SlackRequestHandler(app)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            if context.store.ping():
                return _json(start_response, "200 OK", {"status": "ok", "database": "ok"})
            return _json(
                start_response, "503 Service Unavailable", {"status": "error", "database": "injoignable"}
            )
        if path == EVENTS_PATH:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "POST attendu"})
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
