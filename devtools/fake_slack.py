"""A fake Slack Web API on 127.0.0.1: answers like Slack, records every call, can be told to fail or to be
slow (the call takes effect, the answer comes late: a client's timeout runs out).

Serves `/api/<method>` (SLACK_API_URL = `fake.api_url`), the file upload URL it hands out, and
`/response/<id>` response URLs (what `respond()` posts to). What the calls change — messages, DMs,
modal stacks, App Homes, files — is kept in `fake.workspace` (devtools.slack_workspace), which the
playground shows; the e2e tests read the recorded `calls`."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devtools.slack_workspace import ResponseTarget, Workspace

JSON_FIELDS = ("blocks", "view", "attachments", "files", "metadata")


@dataclass
class Call:
    method: str  # Web API method, "response_url" or "upload"
    params: dict[str, Any]
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes = b""

    def text(self) -> str:
        """Everything a user would read in this call (text + all text of blocks/views), as one string."""
        return json.dumps(self.params, ensure_ascii=False)


@dataclass
class Failure:
    error: str
    status: int = 200
    retry_after: int | None = None
    times: int = 1


@dataclass
class Delay:
    seconds: float
    times: int = 1


@dataclass
class SlackUserRecord:
    id: str
    email: str | None
    real_name: str
    first_name: str = ""
    last_name: str = ""


class FakeSlack:
    def __init__(self, *, channels: dict[str, str] | None = None, max_calls: int | None = None) -> None:
        """`max_calls`: keep only that many recorded calls (a long-running playground); None keeps all."""
        self.max_calls = max_calls
        self.calls: list[Call] = []
        self.users: dict[str, SlackUserRecord] = {}
        self.failures: dict[str, list[Failure]] = {}
        self.delays: dict[str, list[Delay]] = {}
        self.uploads: dict[str, bytes] = {}
        self.latency: dict[str, float] = {}
        self.workspace = Workspace(self.users, channels)
        self._lock = threading.Condition()
        self._ids = itertools.count(1)
        self._mark = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.url}/api/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- configuration -------------------------------------------------------------------------

    def add_user(
        self, user_id: str, email: str | None, real_name: str, first: str = "", last: str = ""
    ) -> None:
        self.users[user_id] = SlackUserRecord(user_id, email, real_name, first, last)

    def fail(
        self, method: str, error: str, *, status: int = 200, retry_after: int | None = None, times: int = 1
    ) -> None:
        """The next `times` calls of `method` answer `error` (status 429 + Retry-After for rate limits)."""
        self.failures.setdefault(method, []).append(Failure(error, status, retry_after, times))

    def slow_down(self, method: str, seconds: float) -> None:
        """Every call of `method` (or "response_url") answers after `seconds` (the latency of the real
        Slack, far away)."""
        self.latency[method] = seconds

    def slow(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of `method` take effect at once (a message reaches its channel) but are
        answered only after `seconds`."""
        self.delays.setdefault(method, []).append(Delay(seconds, times))

    def response_url(
        self, *, user: str | None = None, channel: str | None = None, origin_ts: str | None = None
    ) -> str:
        """A new response URL; posts to it reach `user` in `channel` (replacing `origin_ts` when asked)."""
        response_id = str(next(self._ids))
        self.workspace.register_response_url(response_id, ResponseTarget(user, channel, origin_ts))
        return f"{self.url}/response/{response_id}"

    def name_of(self, user_id: str) -> str:
        user = self.users.get(user_id)
        return user.real_name if user else user_id

    # --- reading what happened -----------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self._mark = 0

    def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 10.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """The calls of `method` (matching `where`) once there are `count` of them; AssertionError after
        `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.calls if c.method == method and (where is None or where(c))]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"{count} appel(s) {method} attendu(s), reçus : {seen}")
                self._lock.wait(remaining)

    def last(self, method: str, **kwargs: Any) -> Call:
        return self.wait_for(method, **kwargs)[-1]

    def mark(self) -> None:
        """Remember where the calls stand: `next()` only looks at the calls made after this."""
        with self._lock:
            self._mark = len(self.calls)

    def next(
        self, method: str, *, timeout: float = 10.0, where: Callable[[Call], bool] | None = None
    ) -> Call:
        """The first call of `method` since the last `mark()` (the app answers after its ack, so this waits)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for call in self.calls[self._mark :]:
                    if call.method == method and (where is None or where(call)):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self.calls[self._mark :]]
                    raise AssertionError(f"appel {method} attendu, reçus depuis la dernière requête : {seen}")
                self._lock.wait(remaining)

    # --- serving -------------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            if self.max_calls is not None and len(self.calls) > self.max_calls:
                dropped = len(self.calls) - self.max_calls
                del self.calls[:dropped]
                self._mark = max(0, self._mark - dropped)
            self._lock.notify_all()
        self.workspace.note("slack", describe_call(call, self.name_of))

    @staticmethod
    def _params(handler: BaseHTTPRequestHandler, raw: bytes) -> dict[str, Any]:
        params: dict[str, Any] = {}
        query = urllib.parse.urlsplit(handler.path).query
        params.update({k: v[-1] for k, v in urllib.parse.parse_qs(query).items()})
        content_type = handler.headers.get("Content-Type", "")
        if raw and "application/json" in content_type:
            params.update(json.loads(raw.decode("utf-8")))
        elif raw and "application/x-www-form-urlencoded" in content_type:
            params.update({k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode("utf-8")).items()})
        for key in JSON_FIELDS:
            if isinstance(params.get(key), str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        return params

    def _send(
        self, handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        handler.send_response(status)
        handler.send_header(
            "Content-Type", "application/json" if not isinstance(body, bytes) else "text/plain"
        )
        handler.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(handler.path).path
        headers = dict(handler.headers.items())
        if path.startswith("/upload/"):
            file_id = path.rsplit("/", 1)[1]
            self.uploads[file_id] = raw
            self.workspace.store_upload(file_id, raw)
            self._record(Call("upload", {"file_id": file_id, "size": len(raw)}, path, headers, raw))
            self._send(handler, 200, f"OK - {len(raw)}".encode())
            return
        if path.startswith("/response/"):
            params = self._params(handler, raw)
            if "response_url" in self.latency:
                time.sleep(self.latency["response_url"])  # the simulated latency itself
            self._record(Call("response_url", params, path, headers, raw))
            self.workspace.respond(path.rsplit("/", 1)[1], params)
            self._send(handler, 200, b"ok")
            return
        if not path.startswith("/api/"):
            self._send(handler, 404, {"ok": False, "error": "unknown_path"})
            return
        method = path[len("/api/") :]
        params = self._params(handler, raw)
        if method in self.latency:
            time.sleep(self.latency[method])  # the simulated latency itself, not a test waiting
        self._record(Call(method, params, path, headers, raw))
        failure = self._take_failure(method)
        if failure is not None:
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
            self._send(handler, failure.status, {"ok": False, "error": failure.error}, extra)
            return
        answer = self._answer(method, params)
        delay = self._take_delay(method)
        if delay:
            time.sleep(delay)
        with contextlib.suppress(OSError):  # a client whose timeout ran out has closed the connection
            self._send(handler, 200, answer)

    def _take_delay(self, method: str) -> float:
        with self._lock:
            queue = self.delays.get(method) or []
            if not queue:
                return 0.0
            delay = queue[0]
            delay.times -= 1
            if delay.times <= 0:
                queue.pop(0)
            return delay.seconds

    def _take_failure(self, method: str) -> Failure | None:
        with self._lock:
            queue = self.failures.get(method) or []
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure

    def _user_json(self, user: SlackUserRecord) -> dict[str, Any]:
        profile: dict[str, Any] = {"real_name": user.real_name, "display_name": user.real_name}
        if user.email:
            profile["email"] = user.email
        if user.first_name:
            profile["first_name"] = user.first_name
        if user.last_name:
            profile["last_name"] = user.last_name
        return {"id": user.id, "name": user.id.lower(), "real_name": user.real_name, "profile": profile}

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://ror.slack.com/",
                "team": "ROR",
                "user": "ror",
                "team_id": "T0001",
                "user_id": "UBOT",
                "bot_id": "BBOT",
            }
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            return (
                {"ok": True, "user": self._user_json(user)}
                if user
                else {"ok": False, "error": "user_not_found"}
            )
        if method == "users.lookupByEmail":
            for user in self.users.values():
                if user.email and user.email.lower() == str(params.get("email") or "").lower():
                    return {"ok": True, "user": self._user_json(user)}
            return {"ok": False, "error": "users_not_found"}
        ws = self.workspace
        handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "views.open": ws.views_open,
            "views.push": ws.views_push,
            "views.update": ws.views_update,
            "views.publish": ws.views_publish,
            "chat.postMessage": ws.post_message,
            "chat.postEphemeral": ws.post_ephemeral,
            "chat.update": ws.update_message,
            "conversations.open": ws.open_conversation,
            "conversations.history": ws.history,
            "files.completeUploadExternal": ws.complete_upload,
        }
        if method in handlers:
            return handlers[method](params)
        if method == "files.getUploadURLExternal":
            return ws.upload_url(params, self.url)
        if method == "conversations.info":
            channel = str(params.get("channel") or "")
            name = ws.channels.get(channel)
            if name is None and not channel.startswith("D"):
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": channel, "name": name or channel, "is_im": name is None}}
        if method == "files.info":
            return {"ok": True, "file": {"id": params.get("file")}}
        return {"ok": True}


def describe_call(call: Call, name_of: Callable[[str], str]) -> str:
    """One line of the playground's activity log for a call the app made."""
    params = call.params
    if call.method == "response_url":
        how = "remplace le message" if params.get("replace_original") in (True, "true") else "nouveau message"
        if params.get("delete_original") in (True, "true"):
            how = "supprime le message"
        kind = "dans le canal" if params.get("response_type") == "in_channel" else "éphémère"
        return f"response_url · {how} ({kind})"
    if call.method == "upload":
        return f"envoi de fichier · {params.get('size')} octets"
    target = params.get("channel") or params.get("channel_id") or params.get("user_id") or params.get("user")
    if isinstance(target, str) and target[:1] in ("U", "D"):
        target = f"{name_of('U' + target[1:])} ({target})"
    view = params.get("view")
    title = ""
    if isinstance(view, dict):
        title = str((view.get("title") or {}).get("text") or view.get("type") or "")
    details = " · ".join(str(x) for x in (target, title) if x)
    return f"{call.method}{' · ' + details if details else ''}"
