"""The playground's own HTTP server on 127.0.0.1: the page (static files, no external asset), a JSON API
the page calls for what the person does, the long-polled state of the workspace, and file downloads."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devtools.playground.client import SHORTCUTS, PlaygroundError, SlackClient
from devtools.playground.demo import USERS

STATIC = Path(__file__).with_name("static")
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
LONG_POLL_SECONDS = 20.0
MAX_BODY = 512 * 1024
# Everything comes from this server; user text is never interpreted as HTML (the page builds DOM nodes).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
EXAMPLES = (
    "/ror aide",
    "/ror rechercher 1110000056",
    "/ror declarer 1110000056",
    "/ror anomalies statut=bloquee",
    "/ror voir ANO_100000000001",
    "/ror annuler ANO_100000000001",
    "/ror abonner quotidien 08:30",
    "/ror digest",
)


class PageServer:
    def __init__(self, client: SlackClient, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.client = client
        self.workspace = client.workspace
        page = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                page._get(self)

            def do_POST(self) -> None:
                page._post(self)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )

    def start(self) -> PageServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- answering ---------------------------------------------------------------------------------

    def _send(
        self, handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, **extra: str
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for key, value in {**SECURITY_HEADERS, **extra}.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _json(self, handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(handler, status, body, "application/json; charset=utf-8")

    def _local(self, handler: BaseHTTPRequestHandler) -> bool:
        """Only pages of this server may call it: the Host header must name this server (no DNS
        rebinding) and a cross-site form cannot reach the API (JSON only, no CORS)."""
        host = handler.headers.get("Host", "")
        return host in (f"127.0.0.1:{self.port}", f"localhost:{self.port}")

    def _get(self, handler: BaseHTTPRequestHandler) -> None:
        if not self._local(handler):
            self._json(handler, 403, {"error": "hôte refusé"})
            return
        url = urllib.parse.urlsplit(handler.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path in ("/", "/index.html"):
            self._static(handler, "index.html")
        elif url.path.startswith("/static/"):
            self._static(handler, url.path.removeprefix("/static/"))
        elif url.path == "/api/workspace":
            self._json(handler, 200, self.describe())
        elif url.path == "/api/state":
            self._state(handler, query)
        elif url.path.startswith("/files/"):
            self._file(handler, url.path.removeprefix("/files/"))
        else:
            self._json(handler, 404, {"error": "introuvable"})

    def _static(self, handler: BaseHTTPRequestHandler, name: str) -> None:
        path = (STATIC / name).resolve()
        content_type = STATIC_TYPES.get(path.suffix)
        if path.parent != STATIC.resolve() or content_type is None or not path.is_file():
            self._json(handler, 404, {"error": "introuvable"})
            return
        self._send(handler, 200, path.read_bytes(), content_type)

    def _file(self, handler: BaseHTTPRequestHandler, file_id: str) -> None:
        stored = self.workspace.files.get(file_id)
        if stored is None:
            self._json(handler, 404, {"error": "fichier introuvable"})
            return
        disposition = f"attachment; filename*=UTF-8''{urllib.parse.quote(stored.name)}"
        content_type = (
            "text/csv; charset=utf-8" if stored.name.endswith(".csv") else "application/octet-stream"
        )
        self._send(handler, 200, stored.content, content_type, **{"Content-Disposition": disposition})

    def describe(self) -> dict[str, Any]:
        return {
            "app": "ROR Anomalies",
            "users": [user.to_json() for user in USERS],
            "channels": [{"id": cid, "name": name} for cid, name in self.workspace.channels.items()],
            "shortcuts": [{"callback_id": cid, "name": name} for cid, name in SHORTCUTS.items()],
            "examples": list(EXAMPLES),
        }

    def _state(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        user = query.get("user", "")
        if user not in self.client.fake.users:
            self._json(handler, 400, {"error": "personne inconnue"})
            return
        try:
            since = int(query.get("since", "-1"))
        except ValueError:
            since = -1
        self.workspace.wait_for_change(since, LONG_POLL_SECONDS)
        self._json(handler, 200, self.workspace.snapshot(user, name_of=self.client.fake.name_of))

    # --- what the person does ------------------------------------------------------------------------

    def _post(self, handler: BaseHTTPRequestHandler) -> None:
        if not self._local(handler):
            self._json(handler, 403, {"error": "hôte refusé"})
            return
        if handler.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self._json(handler, 415, {"error": "JSON attendu"})
            return
        try:
            length = int(handler.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._json(handler, 413, {"error": "requête trop volumineuse"})
            return
        try:
            data = json.loads(handler.rfile.read(length) or b"{}")
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            self._json(handler, 400, {"error": "JSON invalide"})
            return
        path = urllib.parse.urlsplit(handler.path).path
        try:
            problem = self._do(path, data)
        except PlaygroundError as error:
            self._json(handler, 409, {"ok": False, "error": str(error)})
            return
        except (KeyError, TypeError) as error:
            self._json(handler, 400, {"ok": False, "error": f"champ manquant ou invalide : {error}"})
            return
        self._json(handler, 200, {"ok": problem is None, "error": problem})

    def _do(self, path: str, data: dict[str, Any]) -> str | None:
        client = self.client
        user = str(data["user"])
        if path == "/api/command":
            return client.command(user_id=user, channel_id=str(data["channel"]), text=str(data["text"]))
        if path == "/api/message":
            client.post_message(user_id=user, channel_id=str(data["channel"]), text=str(data["text"]))
            return None
        if path == "/api/action":
            return client.action(
                user_id=user,
                surface=dict(data["surface"]),
                action=dict(data["action"]),
                state=dict(data["state"]),
            )
        if path == "/api/submit":
            return client.submit(user_id=user, view_id=str(data["view_id"]), state=dict(data["state"]))
        if path == "/api/close":
            return client.close(user_id=user, view_id=str(data["view_id"]), everything=bool(data.get("all")))
        if path == "/api/home":
            return client.open_home(user_id=user, tab=str(data.get("tab", "home")))
        if path == "/api/shortcut":
            return client.shortcut(user_id=user, ts=str(data["ts"]), callback_id=str(data["callback_id"]))
        raise PlaygroundError("Action inconnue.")
