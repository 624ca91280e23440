"""Starting and stopping the playground beside `ror-bot run`."""

from __future__ import annotations

import errno
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import SecretStr

from bot.context import AppContext
from bot.server import EVENTS_PATH, HEALTH_PATH
from bot.settings import Settings
from devtools.fake_slack import FakeSlack
from devtools.playground import demo
from devtools.playground.client import SlackClient
from devtools.playground.server import PageServer

READY_TIMEOUT_SECONDS = 120.0
RECORDED_CALLS = 500  # the page reads the workspace; the calls are kept for debugging only


@dataclass
class Playground:
    settings: Settings  # what the app must run with: the fake's URL, a local token and signing secret
    fake: FakeSlack
    page: PageServer
    client: SlackClient
    seeded: list[str]
    _stopped: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return self.page.url

    def announce_when_ready(self, app_url: str, say: Callable[[str], None]) -> None:
        """Say where to open the page once the app answers on `app_url` (in the background)."""

        def wait_then_say() -> None:
            deadline = time.monotonic() + READY_TIMEOUT_SECONDS
            while not self._stopped.wait(0.1) and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(app_url + HEALTH_PATH, timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    continue
            else:
                return
            say(
                f"Bac à sable prêt : ouvrez {self.url} dans votre navigateur "
                "(Slack simulé sur cette machine, aucun identifiant Slack n'est utilisé)."
            )

        waiter = threading.Thread(target=wait_then_say, name="playground-ready", daemon=True)
        waiter.start()

    def stop(self) -> None:
        self._stopped.set()
        self.page.stop()
        self.fake.stop()


def _page_server(client: SlackClient, port: int | None, default: int) -> PageServer:
    if port is not None:
        return PageServer(client, port=port)
    try:
        return PageServer(client, port=default)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        return PageServer(client, port=0)  # any free port: the announced address says which


def start_playground(
    settings: Settings,
    *,
    app_port: int,
    port: int | None = None,
    say: Callable[[str], None] = lambda line: print(line, flush=True),
) -> Playground:
    """Start the fake Slack and the page; seed the demo groups; once the app answers on `app_port`, `say`
    where to open the page. The app must then run with `playground.settings`."""
    fake = FakeSlack(channels=dict(demo.CHANNELS), max_calls=RECORDED_CALLS).start()
    demo.add_people(fake)
    signing_secret = secrets.token_hex(32)
    app_settings = settings.model_copy(
        update={
            "slack_bot_token": SecretStr(f"xoxb-bac-a-sable-{secrets.token_hex(12)}"),
            "slack_signing_secret": SecretStr(signing_secret),
            "slack_app_token": None,
            "slack_api_url": fake.api_url,
        }
    )
    context = AppContext.start(app_settings)
    try:
        seeded = demo.seed(context)
    finally:
        context.store.dispose()
    app_url = f"http://127.0.0.1:{app_port}"
    client = SlackClient(events_url=app_url + EVENTS_PATH, signing_secret=signing_secret, fake=fake)
    page = _page_server(client, port, app_port + 1).start()
    playground = Playground(app_settings, fake, page, client, seeded)
    people = ", ".join(f"{u.name} <{u.email}>" for u in demo.USERS)
    done = " ; ".join(seeded) if seeded else "groupes de démonstration déjà en place"
    say(f"Bac à sable : {done}. Personnes de démonstration : {people}.")
    playground.announce_when_ready(app_url, say)
    return playground
