"""A stand-in ROR national over HTTP(S), speaking what reference/ror-fhir/api.md documents:

- token endpoint (Keycloak realm `ror`): client credentials with a secret (Basic or form), or over TLS
  with a client certificate (RFC 8705; the token is then bound to that certificate);
- every API call: `Authorization: Bearer …` (401 + OperationOutcome otherwise) and the four `Ror-…`
  headers (403 + OperationOutcome when one is missing or wrong);
- anomaly base `/anomalies`: Task POST (201, Location `…/Task/<id>/_history/<v>`, ETag, Last-Modified,
  a functional identifier), GET, search (`_lastUpdated`, `focus:<Type>.identifier`,
  `focus:<Type>:_tag`, `_id`, `identifier`, `business-status`, `_count` ≤ 200, `total`, `next` links),
  FHIRPath-Patch PATCH of `Task.businessStatus` (ETag, If-Match → 412);
- directory base `/ws-diffusion-fhir`: searches and reads of ROR resources (`directory.py`);
- switchable faults: HTTP errors, 429 + Retry-After, slow answers, dropped connections (also right
  after a Task was created), expired tokens.

Usable in-process (`RorStandIn(...).start()`) or as `python -m devtools.ror_standin`."""

import base64
import hashlib
import json
import secrets
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from devtools.ror_standin.directory import DirectoryBase
from devtools.ror_standin.tasks import (
    ACTION_SYSTEM,
    INPUT_SYSTEM,
    STATUS_LABELS,
    STATUS_SYSTEM,
    TASK_PROFILE,
    THEMATIQUE_SYSTEM,
    Invalid,
    StoredTask,
    TaskBase,
    concept,
    is_task_criterion,
    patched_status,
    validate_new_task,
)
from devtools.ror_standin.tls import StandInCertificates

Json = dict[str, Any]
TOKEN_PATH = "/auth/realms/ror/protocol/openid-connect/token"
ANOMALIES_PATH = "/anomalies"
DIRECTORY_PATH = "/ws-diffusion-fhir"
PAGE_MAX = 200
# The example values of api.md; a test or a demo may expect others.
DEFAULT_HEADERS = {
    "Ror-Profil-Utilisateur-Code": "CU20",
    "Ror-Profil-Utilisateur-System": "1.2.250.1.213.1.6.1.66",
    "Ror-Role-Metier-Code": "AUTOMATE",
    "Ror-Role-Metier-System": "1.2.250.1.213.1.1.4.6",
}
DEMO_DIRECTORY = Path(__file__).resolve().parents[2] / "bot" / "demo" / "directory.json"


@dataclass
class Received:
    """One request as the stand-in saw it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: Any
    client_certificate: str | None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class Fault:
    kind: str  # error | throttle | slow | drop | drop_after_create
    times: int
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0
    method: str | None = None
    path: str | None = None
    diagnostics: str | None = None

    def applies(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.path is None:
            return not path.startswith(TOKEN_PATH)
        return self.path in path


@dataclass
class Client:
    client_id: str
    secret: str | None  # None: certificate only (mTLS)


@dataclass
class IssuedToken:
    client_id: str
    expires_at: float
    thumbprint: str | None
    revoked: bool = False


class _Dropped(Exception):
    """Close the connection without answering."""


@dataclass
class RorStandIn:
    client_id: str = "ror-anomalies"
    client_secret: str | None = "secret-de-demo"
    certificate_clients: tuple[str, ...] = ()
    tls: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    token_lifetime: int = 300
    expected_headers: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HEADERS))
    directory_file: Path | None = DEMO_DIRECTORY

    def __post_init__(self) -> None:
        self.clients: dict[str, Client] = {}
        if self.client_secret is not None:
            self.clients[self.client_id] = Client(self.client_id, self.client_secret)
        for name in self.certificate_clients:
            self.clients[name] = Client(name, None)
        self.certificates = StandInCertificates() if self.tls else None
        self.directory = DirectoryBase()
        if self.directory_file is not None:
            self.directory.load(self.directory_file)
        self.tasks = TaskBase(region_of=self.directory.region_of)
        self.tokens: dict[str, IssuedToken] = {}
        self.received: list[Received] = []
        self.faults: list[Fault] = []
        self.reject_all_tokens = False
        # Base written in `next` links (a server behind a proxy names its internal host); None: its own.
        self.link_base: str | None = None
        # Largest page the server gives, whatever `_count` asks (the ROR national: 200).
        self.page_size = PAGE_MAX
        self.token_requests = 0
        self._searches: dict[str, tuple[str, list[tuple[str, str]], list[Any]]] = {}
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self) -> "RorStandIn":
        handler = type("Handler", (_Handler,), {"standin": self})
        server = _Server((self.host, self.port), handler)
        server.tls_context = self.certificates.server_context() if self.certificates else None
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.02,), name="ror-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "RorStandIn":
        return self.start()

    def __exit__(self, *args: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def auth_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def anomalies_url(self) -> str:
        return self.base_url + ANOMALIES_PATH

    @property
    def fhir_url(self) -> str:
        return self.base_url + DIRECTORY_PATH

    def environment(self) -> dict[str, str]:
        """The variables pointing `ror-bot` at this stand-in (secret profile)."""
        env = {
            "ROR_ANOMALIES_URL": self.anomalies_url,
            "ROR_FHIR_URL": self.fhir_url,
            "ROR_AUTH_URL": self.auth_url,
            "ROR_CLIENT_ID": self.client_id,
            "ROR_PROFIL_UTILISATEUR_CODE": self.expected_headers["Ror-Profil-Utilisateur-Code"],
            "ROR_PROFIL_UTILISATEUR_SYSTEM": self.expected_headers["Ror-Profil-Utilisateur-System"],
            "ROR_ROLE_METIER_CODE": self.expected_headers["Ror-Role-Metier-Code"],
            "ROR_ROLE_METIER_SYSTEM": self.expected_headers["Ror-Role-Metier-System"],
        }
        if self.client_secret is not None:
            env["ROR_CLIENT_SECRET"] = self.client_secret
        return env

    # -- faults -------------------------------------------------------------------------------------

    def fail(
        self,
        status: int = 503,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        diagnostics: str | None = None,
    ) -> None:
        """Answer `status` with an OperationOutcome (`diagnostics`, else a generic server error)."""
        self._add(Fault("error", times, status=status, method=method, path=path, diagnostics=diagnostics))

    def throttle(
        self,
        retry_after: int | str = 7,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self._add(
            Fault("throttle", times, status=429, retry_after=str(retry_after), method=method, path=path)
        )

    def slow(
        self, seconds: float, *, times: int = 1, method: str | None = None, path: str | None = None
    ) -> None:
        self._add(Fault("slow", times, delay=seconds, method=method, path=path))

    def drop(self, *, times: int = 1, method: str | None = None, path: str | None = None) -> None:
        """Close the connection without answering, before doing anything."""
        self._add(Fault("drop", times, method=method, path=path))

    def drop_after_create(self, *, times: int = 1) -> None:
        """The next Task POSTs create the Task, then close the connection without answering."""
        self._add(Fault("drop_after_create", times, method="POST"))

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (expired or revoked on the server's side)."""
        with self._lock:
            for token in self.tokens.values():
                token.revoked = True

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def _take(self, method: str, path: str, kinds: tuple[str, ...]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.kind in kinds and fault.times > 0 and fault.applies(method, path):
                    fault.times -= 1
                    return fault
        return None

    # -- what the ROR does on its own (tests and demos) ----------------------------------------------

    def set_business_status(self, task_id: str, code: str) -> Json:
        """A status set in the ROR national (recipient, ANS, quality rule): new version, new lastUpdated."""
        return self.tasks.set_status(task_id, code).body

    def add_task(
        self,
        *,
        focus_type: str,
        focus_value: str,
        region: str | None = None,
        business_status: str = "05",
        description: str = "Anomalie déclarée depuis le formulaire du ROR national",
        path: str = "Organization.name",
        error_value: str | None = None,
        system_requester: str = "IHM Déclaration ROR national",
        thematique: str = "06",
        action: str = "COR",
        authored_on: str = "2026-01-05T09:00:00Z",
    ) -> Json:
        """A Task declared elsewhere (the ROR web form, another éditeur) on a resource of `region`."""
        inputs = [
            {
                "type": {"coding": [{"system": INPUT_SYSTEM, "code": "systemRequester"}]},
                "valueString": system_requester,
            },
            {
                "type": {"coding": [{"system": INPUT_SYSTEM, "code": "pathElementError"}]},
                "valueExpression": {"language": "text/fhirpath", "expression": path},
            },
        ]
        if error_value is not None:
            inputs.append(
                {
                    "type": {"coding": [{"system": INPUT_SYSTEM, "code": "errorValue"}]},
                    "valueString": error_value,
                }
            )
        body = {
            "resourceType": "Task",
            "meta": {"profile": [TASK_PROFILE]},
            "status": "in-progress",
            "businessStatus": concept(STATUS_SYSTEM, business_status, STATUS_LABELS[business_status]),
            "intent": "order",
            "code": concept(THEMATIQUE_SYSTEM, thematique),
            "description": description,
            "focus": {"type": focus_type, "identifier": {"value": focus_value}},
            "authoredOn": authored_on,
            "lastModified": authored_on,
            "reasonCode": concept(ACTION_SYSTEM, action),
            "input": inputs,
        }
        return self.tasks.create(validate_new_task(body), region=region).body

    def task(self, task_id: str) -> Json:
        return self.tasks.get(task_id).body

    def all_tasks(self) -> list[Json]:
        return self.tasks.search([])

    def requests_to(self, method: str, path_part: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.method == method and path_part in r.path]

    # -- request handling -----------------------------------------------------------------------------

    def _record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def issue_token(
        self, form: dict[str, str], basic: tuple[str, str] | None, thumbprint: str | None
    ) -> Json:
        with self._lock:
            self.token_requests += 1
        if form.get("grant_type") != "client_credentials":
            raise _OAuthRefusal(400, "unsupported_grant_type", "Seul client_credentials est accepté.")
        client_id = basic[0] if basic else form.get("client_id", "")
        client = self.clients.get(client_id)
        if client is None:
            raise _OAuthRefusal(401, "invalid_client", "Invalid client or Invalid client credentials")
        if client.secret is not None:
            secret = basic[1] if basic else form.get("client_secret")
            if not secret or not secrets.compare_digest(secret, client.secret):
                raise _OAuthRefusal(
                    401, "unauthorized_client", "Invalid client or Invalid client credentials"
                )
            bound = None
        else:
            if thumbprint is None:
                raise _OAuthRefusal(
                    401, "invalid_client", "Certificat client absent (mTLS exigé pour ce client)"
                )
            bound = thumbprint
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = IssuedToken(client_id, time.time() + self.token_lifetime, bound)
        return {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "profile email",
        }

    def check_token(self, authorization: str | None, thumbprint: str | None) -> None:
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not value:
            raise Invalid(401, "Jeton d'accès absent (Authorization: Bearer).", "login")
        with self._lock:
            token = self.tokens.get(value)
        if token is None or self.reject_all_tokens:
            raise Invalid(401, "Jeton d'accès inconnu.", "login")
        if token.revoked or time.time() >= token.expires_at:
            raise Invalid(401, "Jeton d'accès expiré ou révoqué.", "expired")
        if token.thumbprint is not None and token.thumbprint != thumbprint:
            raise Invalid(401, "Jeton lié à un autre certificat client (RFC 8705).", "security")

    def check_headers(self, headers: dict[str, str]) -> None:
        lowered = {k.lower(): v for k, v in headers.items()}
        for name, expected in self.expected_headers.items():
            value = lowered.get(name.lower())
            if value is None:
                raise Invalid(403, f"En-tête {name} absent.", "forbidden")
            if value != expected:
                raise Invalid(
                    403, f"En-tête {name} refusé : « {value} » n'est pas une valeur habilitée.", "forbidden"
                )

    def remember_search(self, base: str, params: list[tuple[str, str]], results: list[Any]) -> str:
        key = uuid.uuid4().hex
        with self._lock:
            self._searches[key] = (base, params, results)
        return key

    def recall_search(self, key: str) -> tuple[str, list[tuple[str, str]], list[Any]]:
        with self._lock:
            found = self._searches.get(key)
        if found is None:
            raise Invalid(410, "Page de résultats expirée ou inconnue.", "not-found")
        return found


class _OAuthRefusal(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    tls_context: ssl.SSLContext | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs in the request's own thread: a refused certificate blocks nobody else.
        if self.tls_context is not None:
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (timeouts, dropped connections) is part of the tests


def _outcome(diagnostics: str, code: str = "invalid", severity: str = "error") -> Json:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


class _Handler(BaseHTTPRequestHandler):
    standin: RorStandIn
    protocol_version = "HTTP/1.1"
    server_version = "ROR-standin/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- plumbing -------------------------------------------------------------------------------------

    def _thumbprint(self) -> str | None:
        getpeercert = getattr(self.connection, "getpeercert", None)
        der = getpeercert(binary_form=True) if getpeercert else None
        return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode().rstrip("=") if der else None

    def _certificate_name(self) -> str | None:
        getpeercert = getattr(self.connection, "getpeercert", None)
        cert = getpeercert() if getpeercert else None
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return str(value)
        return None

    def _send(self, status: int, body: Json | None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else b""
        self.send_response(status)
        content_type = "application/json" if self.path.startswith(TOKEN_PATH) else "application/fhir+json"
        if body is not None:
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _handle(self, method: str) -> None:
        standin = self.standin
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qsl(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw) if not path.startswith(TOKEN_PATH) else dict(parse_qsl(raw.decode()))
            except (ValueError, UnicodeDecodeError):
                body = raw.decode("utf-8", "replace")
        standin._record(
            Received(method, path, query, dict(self.headers.items()), body, self._certificate_name())
        )
        try:
            if standin._take(method, path, ("drop",)):
                raise _Dropped
            slow = standin._take(method, path, ("slow",))
            if slow is not None:
                time.sleep(slow.delay)
            throttle = standin._take(method, path, ("throttle",))
            if throttle is not None:
                self._send(
                    429,
                    _outcome("Trop de requêtes : réessayez plus tard.", "throttled"),
                    {"Retry-After": throttle.retry_after or "1"},
                )
                return
            error = standin._take(method, path, ("error",))
            if error is not None:
                self._send(
                    error.status,
                    _outcome(error.diagnostics or f"Erreur du serveur ({error.status}).", "exception"),
                )
                return
            if path.startswith(TOKEN_PATH):
                self._token(method, body)
                return
            self._api(method, path, query, body)
        except _Dropped:
            self._drop()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        except Exception as error:  # a stand-in bug must still answer as a FHIR server would
            self._send(500, _outcome(f"Erreur interne du serveur de substitution : {error!r}", "exception"))

    def _token(self, method: str, form: Any) -> None:
        if method != "POST":
            self._send(405, {"error": "invalid_request", "error_description": "POST attendu"})
            return
        basic = None
        scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
                basic = (unquote(user), unquote(password))
            except (ValueError, UnicodeDecodeError):
                basic = None
        try:
            answer = self.standin.issue_token(
                form if isinstance(form, dict) else {}, basic, self._thumbprint()
            )
        except _OAuthRefusal as refusal:
            self._send(refusal.status, refusal.body)
            return
        self._send(200, answer, {"Cache-Control": "no-store"})

    def _api(self, method: str, path: str, query: list[tuple[str, str]], body: Any) -> None:
        standin = self.standin
        try:
            standin.check_token(self.headers.get("Authorization"), self._thumbprint())
        except Invalid as refusal:
            self._send(
                401,
                _outcome(refusal.diagnostics, refusal.code),
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
            return
        try:
            standin.check_headers(dict(self.headers.items()))
            if path.startswith(ANOMALIES_PATH):
                self._anomalies(method, path[len(ANOMALIES_PATH) :], query, body)
            elif path.startswith(DIRECTORY_PATH):
                self._directory(method, path[len(DIRECTORY_PATH) :], query)
            else:
                raise Invalid(404, f"Aucune ressource à l'adresse {path}.", "not-found")
        except Invalid as refusal:
            self._send(refusal.status, _outcome(refusal.diagnostics, refusal.code))

    # -- anomaly base -----------------------------------------------------------------------------------

    def _task_headers(self, task: StoredTask, *, location: bool = False) -> dict[str, str]:
        headers = {
            "ETag": f'W/"{task.version}"',
            "Last-Modified": format_datetime(task.updated.astimezone(UTC), usegmt=True),
        }
        if location:
            headers["Location"] = f"{self.standin.anomalies_url}/Task/{task.task_id}/_history/{task.version}"
        return headers

    def _anomalies(self, method: str, rest: str, query: list[tuple[str, str]], body: Any) -> None:
        segments = [s for s in rest.split("/") if s]
        standin = self.standin
        if not segments and method == "GET" and any(k == "_getpages" for k, _ in query):
            self._next_page(query)
            return
        if not segments or segments[0] != "Task":
            raise Invalid(
                404,
                f"Type de ressource non pris en charge : {'/'.join(segments) or '(aucun)'}.",
                "not-supported",
            )
        if method == "POST" and len(segments) == 1:
            self._require_fhir_json()
            task = standin.tasks.create(validate_new_task(body))
            if standin._take("POST", "/anomalies/Task", ("drop_after_create",)):
                raise _Dropped
            self._send(201, task.body, self._task_headers(task, location=True))
        elif method == "GET" and len(segments) == 1:
            self._search_tasks(query)
        elif method == "GET" and len(segments) in (2, 4):
            task = standin.tasks.get(segments[1])
            if len(segments) == 4 and (segments[2] != "_history" or segments[3] != str(task.version)):
                raise Invalid(404, f"Version {segments[-1]} de la Task {segments[1]} inconnue.", "not-found")
            self._send(200, task.body, self._task_headers(task))
        elif method == "PATCH" and len(segments) == 2:
            self._require_fhir_json()
            code = patched_status(body)
            if_match = self.headers.get("If-Match")
            version = if_match.strip().removeprefix("W/").strip('"') if if_match else None
            task = standin.tasks.set_status(segments[1], code, if_match=version)
            self._send(200, task.body, self._task_headers(task))
        else:
            raise Invalid(405, f"{method} n'est pas pris en charge sur {rest}.", "not-supported")

    def _require_fhir_json(self) -> None:
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type not in ("application/fhir+json", "application/json"):
            raise Invalid(
                415,
                f"Content-Type {content_type or '(absent)'} non pris en charge : application/fhir+json attendu.",
                "not-supported",
            )

    def _count(self, query: list[tuple[str, str]]) -> int:
        value = dict(query).get("_count", str(PAGE_MAX))
        if not value.isdigit():
            raise Invalid(400, f"_count invalide : {value}.", "value")
        return max(0, min(self.standin.page_size, int(value)))

    def _search_tasks(self, query: list[tuple[str, str]]) -> None:
        criteria = [(k, v) for k, v in query if k != "_count"]
        for key, _ in criteria:
            if not is_task_criterion(key):
                raise Invalid(400, f"Paramètre de recherche non pris en charge : {key}.", "not-supported")
        results = self.standin.tasks.search(criteria)
        self._page(self.standin.anomalies_url, "Task", results, 0, self._count(query), query, includes=None)

    def _page(
        self,
        base: str,
        kind: str,
        results: list[Any],
        offset: int,
        count: int,
        query: list[tuple[str, str]],
        *,
        includes: Any,
        key: str | None = None,
    ) -> None:
        """One searchset page; the results are kept under a key so `next` pages are stable."""
        if key is None:
            key = self.standin.remember_search(base, query, results)
        chunk = results[offset : offset + count]
        matches = [self.standin.directory.read(k, i) for k, i in chunk] if includes is not None else chunk
        entries = [
            {"fullUrl": f"{base}/{m['resourceType']}/{m['id']}", "resource": m, "search": {"mode": "match"}}
            for m in matches
        ]
        if includes is not None:
            entries += [
                {
                    "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                    "resource": r,
                    "search": {"mode": "include"},
                }
                for r in includes(matches)
            ]
        if self.standin.link_base is not None:
            base = self.standin.link_base + urlsplit(base).path
        links = [
            {
                "relation": "self",
                "url": f"{base}/{kind}?_getpages={key}&_getpagesoffset={offset}&_count={count}",
            }
        ]
        if count and offset + count < len(results):
            links.append(
                {
                    "relation": "next",
                    "url": f"{base}?_getpages={key}&_getpagesoffset={offset + count}&_count={count}",
                }
            )
        bundle = {
            "resourceType": "Bundle",
            "id": uuid.uuid4().hex,
            "meta": {"lastUpdated": datetime.now(UTC).isoformat(timespec="milliseconds")},
            "type": "searchset",
            "total": len(results),
            "link": links,
            "entry": entries,
        }
        if not entries:
            del bundle["entry"]
        self._send(200, bundle)

    def _next_page(self, query: list[tuple[str, str]]) -> None:
        params = dict(query)
        base, original, results = self.standin.recall_search(params["_getpages"])
        offset = int(params.get("_getpagesoffset", "0") or 0)
        count = self._count(query)
        is_directory = base == self.standin.fhir_url
        includes = (
            (lambda matches: self.standin.directory.includes(matches, original)) if is_directory else None
        )
        kind = results[0][0] if is_directory and results else "Task"
        self._page(base, kind, results, offset, count, original, includes=includes, key=params["_getpages"])

    # -- directory base ---------------------------------------------------------------------------------

    def _directory(self, method: str, rest: str, query: list[tuple[str, str]]) -> None:
        segments = [s for s in rest.split("/") if s]
        directory = self.standin.directory
        if method != "GET":
            raise Invalid(405, "L'annuaire est en lecture seule.", "not-supported")
        if not segments and any(k == "_getpages" for k, _ in query):
            self._next_page(query)
            return
        if len(segments) == 2:
            self._send(200, directory.read(segments[0], segments[1]))
            return
        if len(segments) != 1:
            raise Invalid(404, f"Aucune ressource à l'adresse {rest}.", "not-found")
        params = [(k, v) for k, v in query if k != "_count"]
        results = directory.search(segments[0], params)
        directory.includes([], params)  # refuses unknown includes before answering
        self._page(
            self.standin.fhir_url,
            segments[0],
            results,
            0,
            self._count(query),
            params,
            includes=lambda matches: directory.includes(matches, params),
        )


@contextmanager
def running(**options: Any) -> Iterator[RorStandIn]:
    standin = RorStandIn(**options).start()
    try:
        yield standin
    finally:
        standin.stop()
