"""`ror-bot` stopped by SIGTERM (systemd, docker stop, a CI timeout) behaves as after Ctrl-C: one French
line, exit 143, the pages already committed kept whole, and no process of the command left behind (the
sync reads in a child process)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtools.ror_standin import RorStandIn

pytestmark = pytest.mark.slow  # starts the real `ror-bot` in its own process
ROR_BOT = Path(sys.executable).with_name("ror-bot")


def children_of(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_sync_stopped_by_sigterm_says_so_keeps_whole_pages_and_leaves_no_process(tmp_path: Path) -> None:
    database = tmp_path / "ror.db"
    with RorStandIn() as standin:
        for n in range(1200):  # six pages
            standin.add_task(
                focus_type="Organization", focus_value=f"1{n:09d}", region="76", description=f"n°{n}"
            )
        standin.slow(0.7, times=100)  # every answer late: the sync is mid-pull when stopped
        env = {**os.environ, **standin.environment(), "DATABASE_URL": f"sqlite:///{database}"}
        subprocess.run(
            [ROR_BOT, "group", "create", "National", "--national"], env=env, check=True, capture_output=True
        )
        sync = subprocess.Popen(
            [ROR_BOT, "ror", "sync"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 30
        while not children_of(sync.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)  # a page or two stored
        started = children_of(sync.pid)
        assert started, "the sync reads in a child process"

        sync.send_signal(signal.SIGTERM)
        out, err = sync.communicate(timeout=20)

    assert sync.returncode == 128 + signal.SIGTERM
    assert err.strip() == "Commande interrompue : ce qui était enregistré avant l'interruption le reste."
    assert "Traceback" not in out + err
    deadline = time.monotonic() + 10
    while any(alive(child) for child in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [child for child in started if alive(child)]
    with sqlite3.connect(database) as db:
        anomalies = db.execute("SELECT count(*) FROM anomalies").fetchone()[0]
        history = db.execute("SELECT count(*) FROM anomaly_history").fetchone()[0]
    assert anomalies % 200 == 0  # whole pages only
    assert anomalies < 1200
    assert history == anomalies
