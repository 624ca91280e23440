"""The real Slack app over HTTP (waitress, signed requests) against a fake Slack Web API."""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import waitress

from bot.app import build_app
from bot.context import AppContext
from bot.server import wsgi_app
from bot.settings import Settings
from devtools import slack_payloads as payloads
from devtools.fake_slack import FakeSlack
from devtools.ror_standin import RorStandIn
from devtools.signing import signature_headers
from domain.habilitation import Perimeter
from domain.services import add_member, create_group
from storage import open_store
from tests.builders import geriatrie, lyon, narbonne

SECRET = "e2e-signing-secret"
TOKEN = "xoxb-e2e-token"
ALICE = "UALICE"  # member of « Éditeur Occitanie » (région 76)
LEA = "ULEA"  # member of « Éditeur Auvergne-Rhône-Alpes » (région 84)
BOB = "UBOB"  # in no group


@dataclass
class Answer:
    status: int
    body: str
    response_url: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def seed(database_url: str) -> None:
    store = open_store(database_url)
    create_group(name="Éditeur Occitanie", perimeter=Perimeter.of_regions(["76"]), uow=store.uow())
    add_member(group_name="Éditeur Occitanie", email="alice@editeur.fr", uow=store.uow())
    create_group(name="Éditeur Auvergne-Rhône-Alpes", perimeter=Perimeter.of_regions(["84"]), uow=store.uow())
    add_member(group_name="Éditeur Auvergne-Rhône-Alpes", email="lea@lyon.fr", uow=store.uow())
    store.dispose()
    seed_directory(database_url)


def seed_directory(database_url: str) -> None:
    """The resources of the SPEC's examples (Narbonne and its geriatric unit, région 76; Lyon, région 84)."""
    store = open_store(database_url)
    uow = store.uow()
    with uow:
        for resource in (narbonne(), geriatrie(), lyon()):
            uow.directory.upsert(resource)
        uow.commit()
    store.dispose()


@dataclass
class SlackHttp:
    """Speaks to /slack/events as Slack does: signed form posts and JSON events."""

    url: str
    fake: FakeSlack
    secret: str = SECRET
    _n: list[int] = field(default_factory=lambda: [0])
    # Slack's trigger ids are unique: a database shared by several tests must never see one twice.
    _run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    last_request: list[tuple[bytes, str, dict[str, str], str]] = field(default_factory=list)

    def _next(self) -> int:
        self._n[0] += 1
        return self._n[0]

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        path: str = "/slack/events",
    ) -> Answer:
        self.fake.mark()  # what the app calls from now on answers this request
        self.last_request[:] = [(body, content_type, dict(headers or {}), path)]
        request = urllib.request.Request(self.url + path, data=body, method="POST")
        request.add_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return Answer(response.status, response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode("utf-8"))

    def replay(self) -> Answer:
        """The last request sent again byte for byte, signature included, as whoever captured it could."""
        body, content_type, headers, path = self.last_request[0]
        return self.post(body, content_type, headers=headers, path=path)

    def signed_post(self, body: bytes, content_type: str, *, timestamp: int | None = None) -> Answer:
        return self.post(
            body, content_type, headers=signature_headers(self.secret, body, timestamp=timestamp)
        )

    def get(self, path: str) -> Answer:
        try:
            with urllib.request.urlopen(self.url + path, timeout=15) as response:
                return Answer(response.status, response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode("utf-8"))

    # --- what Slack sends (devtools.slack_payloads, shared with the playground) ---------------------

    def command_body(self, text: str, *, user: str = ALICE, channel: str = "C0GENERAL") -> tuple[bytes, str]:
        response_url = self.fake.response_url()
        fields = payloads.command_fields(
            text=text,
            user_id=user,
            channel_id=channel,
            channel_name="general",
            response_url=response_url,
            trigger_id=f"trigger-{self._run}-{self._next()}",
        )
        return payloads.form_body(fields), response_url

    def command(self, text: str, *, user: str = ALICE, channel: str = "C0GENERAL") -> Answer:
        body, response_url = self.command_body(text, user=user, channel=channel)
        answer = self.signed_post(body, payloads.FORM)
        answer.response_url = response_url
        return answer

    def settle(self) -> list[Any]:
        """Wait until the app has fully answered a verified request sent now, then return the calls the
        app made for anything else. Requests are taken in arrival order, so whatever an earlier request
        set off has had its turn: tests of « nothing happened » wait on this instead of sleeping. The
        barrier is an unhabilitated user's `/ror aide` (BOB): users.info for BOB and one response URL."""
        answer = self.command("aide", user=BOB)
        assert answer.status == 200, answer
        barrier_url = urllib.parse.urlsplit(str(answer.response_url)).path
        self.fake.wait_for("response_url", where=lambda call: call.path == barrier_url)

        def barrier(call: Any) -> bool:
            return (
                call.method == "users.info" and call.params.get("user") == BOB
            ) or call.path == barrier_url

        return [call for call in list(self.fake.calls) if call.method != "auth.test" and not barrier(call)]

    def interaction(self, payload: dict[str, Any]) -> Answer:
        return self.signed_post(payloads.interaction_body(payload), payloads.FORM)

    def click(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user: str = ALICE,
        view: dict[str, Any] | None = None,
        state: dict[str, Any] | None = None,
        response_url: str | None = "new",
        action: dict[str, Any] | None = None,
    ) -> Answer:
        """A block_actions payload: from a message (with a response URL) or from a view (modal/home)."""
        element = action or {
            "type": "button",
            "action_id": action_id,
            "block_id": "b",
            "value": value,
            "action_ts": "1700000000.1",
        }
        if view is None and response_url == "new":
            response_url = self.fake.response_url()
        payload = payloads.block_actions(
            user_id=user,
            actions=[element],
            trigger_id=f"trigger-{self._run}-{self._next()}",
            view=view,
            channel={"id": "C0GENERAL", "name": "general"} if view is None else None,
            response_url=response_url,
            state=state,
        )
        return self.interaction(payload)

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str = ALICE) -> Answer:
        submitted = dict(view)
        submitted["state"] = {"values": values}
        payload = payloads.view_submission(
            user_id=user, view=submitted, trigger_id=f"trigger-{self._run}-{self._next()}"
        )
        return self.interaction(payload)

    def event(self, event: dict[str, Any]) -> Answer:
        envelope = payloads.event_callback(event, event_id=f"Ev{self._next():06d}")
        return self.signed_post(payloads.event_body(envelope), payloads.JSON)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    fake.add_user(ALICE, "alice@editeur.fr", "Alice Martin", "Alice", "Martin")
    fake.add_user(LEA, "lea@lyon.fr", "Léa Durand")
    fake.add_user(BOB, "bob@ailleurs.fr", "Bob Dupont")
    yield fake
    fake.stop()


@pytest.fixture
def database_url(tmp_path: Any) -> str:
    url = f"sqlite:///{tmp_path / 'ror-e2e.db'}"
    seed(url)
    return url


@contextlib.contextmanager
def serving(fake_slack: FakeSlack, database_url: str, **ror: Any) -> Iterator[tuple[SlackHttp, AppContext]]:
    """The app over HTTP; `ror`: connected mode's settings (none: standalone)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=TOKEN,  # type: ignore[arg-type]
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_api_url=fake_slack.api_url,
        database_url=database_url,
        **ror,
    )
    context = AppContext.start(settings)
    app = build_app(context)
    server = waitress.create_server(wsgi_app(app, context), host="127.0.0.1", port=0, threads=4)

    def serve() -> None:
        with contextlib.suppress(OSError):  # the socket closes under select() when the test ends
            server.run()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield SlackHttp(f"http://127.0.0.1:{server.effective_port}", fake_slack), context  # type: ignore[union-attr]
    server.task_dispatcher.shutdown()
    server.close()
    context.store.dispose()


@pytest.fixture
def running(fake_slack: FakeSlack, database_url: str) -> Iterator[tuple[SlackHttp, AppContext]]:
    with serving(fake_slack, database_url) as served:
        yield served


# --- connected mode: the app pointed at an in-process stand-in ROR national ---------------------------


@pytest.fixture
def standin() -> Iterator[RorStandIn]:
    with RorStandIn() as running_standin:
        yield running_standin


def connected_settings(standin: RorStandIn) -> dict[str, Any]:
    """The stand-in's variables as Settings values, with short waits so faults stay fast to test."""
    values: dict[str, Any] = {key.lower(): value for key, value in standin.environment().items()}
    values.update(ror_timeout_seconds=1.0, ror_retry_seconds=0.2, ror_retry_max_seconds=1.0)
    return values


@pytest.fixture
def connected(
    fake_slack: FakeSlack, database_url: str, standin: RorStandIn
) -> Iterator[tuple[SlackHttp, AppContext]]:
    with serving(fake_slack, database_url, **connected_settings(standin)) as served:
        yield served


@pytest.fixture
def slack(running: tuple[SlackHttp, AppContext]) -> SlackHttp:
    return running[0]
