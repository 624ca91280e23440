"""`ror-bot run` without Slack credentials, as `make run` starts it: the app and its playground."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
READY = re.compile(r"Bac à sable prêt : ouvrez (http://127\.0\.0\.1:\d+/)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_without_slack(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT", "ROR_"))
    }
    env.update(DATABASE_URL=database_url, PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


@dataclass
class RunningBot:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _queue: queue.Queue[str] = field(default_factory=queue.Queue)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                found = pattern.search(line)
                if found:
                    return found
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.process.poll() is not None and self._queue.empty()):
                raise AssertionError(
                    f"« {pattern.pattern} » attendu ; ror-bot run a écrit :\n" + "".join(self.lines)
                )
            with suppress(queue.Empty):
                self.lines.append(self._queue.get(timeout=min(remaining, 0.5)))

    @property
    def output(self) -> str:
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return "".join(self.lines)


@contextmanager
def ror_bot_run(*args: str, env: dict[str, str], cwd: Path) -> Iterator[RunningBot]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "run", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = RunningBot(process)

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            running._queue.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
