"""A long-running process (`ror-bot run`) as a list of components started in order and stopped in reverse.

Start-up is complete — worker processes ready, scheduler running — before the server component listens,
so neither `/healthz` nor Slack reaches a half-started app. SIGTERM (systemd, Docker, Kubernetes) and
SIGINT (Ctrl-C) stop it: the server stops accepting and finishes the requests in flight, then the
scheduler and the worker processes stop, each within the same bounded grace period; nothing is left
running."""

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Protocol

logger = logging.getLogger(__name__)

# Time allowed, in all, for the components to stop after a signal.
STOP_SECONDS = 20.0


class Component(Protocol):
    """Something a runtime starts and stops. `stop` returns by `deadline` (a `time.monotonic()` value)."""

    name: str

    def start(self) -> None: ...

    def stop(self, *, deadline: float) -> None: ...


class Runtime:
    def __init__(self, *, grace: float = STOP_SECONDS) -> None:
        self.grace = grace
        self._components: list[Component] = []
        self._started: list[Component] = []
        self._stop_requested = threading.Event()

    def add(self, component: Component) -> None:
        """Start `component` after those added before it (and stop it before them)."""
        self._components.append(component)

    def start(self) -> None:
        """Start every component in order; if one fails, stop those already started, then raise."""
        for component in self._components:
            try:
                component.start()
            except BaseException:
                self.stop()
                raise
            self._started.append(component)
        logger.info("Démarrage terminé : %s", ", ".join(c.name for c in self._started))

    def stop(self) -> None:
        """Stop what was started, in reverse order, all within the grace period."""
        deadline = time.monotonic() + self.grace
        while self._started:
            component = self._started.pop()
            try:
                component.stop(deadline=deadline)
            except Exception:  # the others must still stop: log this one and go on
                logger.exception("Arrêt de %s en échec", component.name)
        logger.info("Arrêt terminé")

    def request_stop(self) -> None:
        self._stop_requested.set()

    def run(self) -> None:
        """Start, serve until SIGTERM or SIGINT (or `request_stop`), then stop. A signal during start-up
        stops the runtime as soon as it has started."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            while not self._stop_requested.wait(timeout=1.0):
                pass
            self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, number: int, _frame: FrameType | None) -> None:
        logger.info("Signal %s reçu : arrêt en cours", signal.Signals(number).name)
        self._stop_requested.set()


def within(deadline: float, what: str, work: Callable[[], object]) -> bool:
    """Run `work` (which may block) until `deadline`; False, logged, when it had not finished by then (it
    goes on in a daemon thread that will not keep the process alive)."""
    done = threading.Event()

    def run() -> None:
        try:
            work()
        except Exception:
            logger.exception("%s en échec", what)
        finally:
            done.set()

    threading.Thread(target=run, name=f"arret-{what}", daemon=True).start()
    if done.wait(timeout=max(0.0, deadline - time.monotonic())):
        return True
    logger.warning("%s : pas terminé dans le délai d'arrêt, abandonné", what)
    return False
