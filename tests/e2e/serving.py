"""`ror-bot run` as an operator starts it: a real process on a free port, its log read as it comes, every
process it started known, so a test can check that none outlives it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"mode HTTP sur http://127\.0\.0\.1:(\d+)/slack/events")


def ror_bot_env(tmp_path: Path, api_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT", "ROR_"))
    }
    env.update(SLACK_API_URL=api_url, DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def ror_bot(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli.main", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def children_of(pid: int) -> set[int]:
    """Every process whose parent is `pid`, and theirs (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of `pids` still running (a zombie has finished)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running


class RorBotRun:
    """`ror-bot run --host 127.0.0.1 --port 0` (or `command`), its log collected; `port` once it listens."""

    def __init__(self, env: dict[str, str], *args: str, command: tuple[str, ...] | None = None) -> None:
        argv = command or ("run", "--host", "127.0.0.1", "--port", "0", *args)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli.main", *argv],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.errors = ""
        self._changed = threading.Condition()
        self.started: set[int] = set()  # every process it started, seen while it ran
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._watch, daemon=True).start()
        self.port = 0

    def _watch(self) -> None:
        while self.process.poll() is None:
            self.started |= children_of(self.process.pid)
            time.sleep(0.05)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def log(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for_log(self, pattern: re.Pattern[str] | str, timeout: float = 120) -> re.Match[str]:
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if match := compiled.search(line):
                        return match
                if self.process.poll() is not None and not self._still_reading():
                    raise AssertionError(
                        f"ror-bot run s'est arrêté ({self.process.returncode}) :\n{self.log_and_errors()}"
                    )
                remaining = deadline - time.monotonic()
                assert remaining > 0, (
                    f"« {compiled.pattern} » attendu dans le journal :\n{self.log_and_errors()}"
                )
                self._changed.wait(min(remaining, 0.5))

    def _still_reading(self) -> bool:
        return (
            self.process.stdout is not None and not self.process.stdout.closed and self.process.poll() is None
        )

    def listening(self) -> int:
        self.port = int(self.wait_for_log(LISTENING).group(1))
        return self.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, signal_number: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
        try:
            self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        assert self.process.stderr is not None
        self.errors = self.process.stderr.read()
        return self.process.returncode

    def log_and_errors(self) -> str:
        return "\n".join(self.lines) + "\n--- stderr ---\n" + self.errors

    def __enter__(self) -> RorBotRun:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.process.poll() is None:
            self.stop()


def wait_until_gone(pids: set[int], timeout: float = 30) -> set[int]:
    """The processes of `pids` still running after `timeout` seconds (empty when all are gone)."""
    deadline = time.monotonic() + timeout
    while (left := alive(pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left
