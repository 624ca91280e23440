"""Sync from the ROR national (issue 11 item 7): Task pages imported from a local stand-in.

    .venv/bin/python -m benchmarks.sync [--tasks 100000] [--database-url URL --reset] [--repeat 1]
        [--read-ahead process|thread] [--store-only] [--json F]

The stand-in ROR national (devtools/ror_standin) runs in its own process and serves `--tasks` synthetic
Tasks through its real HTTP API (token endpoint, `Ror-…` headers, 200-entry searchset pages, `next`
links); its Tasks are generated page by page as they are asked for, so the stand-in holds none of them.
This process runs `sync_from_ror_national` through the real client (HTTP, FHIR R4 validation of every
Task, reading) into the database (a temporary SQLite file by default), for one national group: the whole
path `ror-bot ror sync` takes, its pages read in a child process (`--read-ahead thread`: in a thread, as
the scheduler of `ror-bot run` reads them).

Printed, per run: Tasks stored per second (wall clock, from the first request to the last commit), how
long the sync waited for pages (the client's HTTP, FHIR validation and reading, one page read ahead) and
the storage rate over the rest of the time, the CPU time per Task of this process and of the reading
child, the resident memory (RSS) of this process plus the reading child's, sampled as pages are stored,
and its slope in MB per 100,000 Tasks over the second half of the run (flat memory: a slope near 0,
whatever the number of Tasks), with the load average before and after. `--store-only` adds the storage
path alone: the same Tasks read without HTTP nor validation, stored page by page as the sync does, only
the storing timed. `--reset` empties the anomaly tables of `--database-url` first (never point it at a
database you care about)."""

import argparse
import gc
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, overload

from sqlalchemy import text

TARGET_TASKS_PER_S = 2000.0


# -- the stand-in's side (its own process) ----------------------------------------------------------


class SyntheticTasks(Sequence[dict[str, Any]]):
    """`count` Task bodies made when read (by index or slice), as a stored Task of the stand-in looks."""

    def __init__(self, count: int, start: datetime) -> None:
        self.count = count
        self.start = start

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self.body(i) for i in range(*index.indices(self.count))]
        if not 0 <= index < self.count:
            raise IndexError(index)
        return self.body(index)

    def body(self, n: int) -> dict[str, Any]:
        from devtools.ror_standin.tasks import (
            ACTION_SYSTEM,
            IDENTIFIER_SYSTEM,
            INPUT_SYSTEM,
            REGION_SYSTEM,
            STATUS_LABELS,
            STATUS_SYSTEM,
            TASK_PROFILE,
            THEMATIQUE_SYSTEM,
            concept,
            instant,
        )

        updated = instant(self.start + timedelta(milliseconds=n))
        region = ("76", "84", "11", "93", "44")[n % 5]
        return {
            "resourceType": "Task",
            "id": str(1_000_000 + n),
            "meta": {
                "versionId": "1",
                "lastUpdated": updated,
                "profile": [TASK_PROFILE],
                "tag": [{"system": REGION_SYSTEM, "code": region}],
            },
            "identifier": [{"system": IDENTIFIER_SYSTEM, "value": f"ANO_{300_000_000_000 + n}"}],
            "status": "in-progress",
            "businessStatus": concept(STATUS_SYSTEM, "05", STATUS_LABELS["05"]),
            "intent": "order",
            "code": concept(THEMATIQUE_SYSTEM, "06"),
            "description": f"Anomalie n°{n} déclarée depuis le formulaire du ROR national",
            "focus": {"type": "Organization", "identifier": {"value": f"1{n % 50_000:09d}"}},
            "authoredOn": "2026-01-05T09:00:00Z",
            "lastModified": updated,
            "reasonCode": concept(ACTION_SYSTEM, "COR"),
            "input": [
                {
                    "type": {"coding": [{"system": INPUT_SYSTEM, "code": "systemRequester"}]},
                    "valueString": "IHM Déclaration ROR national",
                },
                {
                    "type": {"coding": [{"system": INPUT_SYSTEM, "code": "pathElementError"}]},
                    "valueExpression": {"language": "text/fhirpath", "expression": "Organization.name"},
                },
                {
                    "type": {"coding": [{"system": INPUT_SYSTEM, "code": "errorValue"}]},
                    "valueString": f"Structure n°{n % 50_000}",
                },
            ],
        }

    def search(self, criteria: list[tuple[str, str]]) -> Sequence[dict[str, Any]]:
        """What the stand-in's TaskBase.search answers: every Task (a first, national pull), or none when
        asked for changes after the last one."""
        from devtools.ror_standin.tasks import compare_moment

        end = self.start + timedelta(milliseconds=self.count)
        for key, value in criteria:
            if key == "_lastUpdated" and not compare_moment(end, value):
                return []
        return self


def _serve(count: int, pipe: Connection) -> None:
    from devtools.ror_standin import RorStandIn

    standin = RorStandIn(token_lifetime=3600)
    tasks = SyntheticTasks(count, datetime(2026, 1, 1, tzinfo=UTC))
    standin.tasks.search = tasks.search  # type: ignore[method-assign]
    standin.start()
    pipe.send(
        {
            "anomalies_url": standin.anomalies_url,
            "fhir_url": standin.fhir_url,
            "auth_url": standin.auth_url,
            "client_id": standin.client_id,
            "client_secret": standin.client_secret,
            "headers": standin.expected_headers,
        }
    )
    pipe.recv()  # until the benchmark is done
    standin.stop()


# -- the syncing side (this process) -----------------------------------------------------------------


def rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except FileNotFoundError:  # the child just ended
        return 0.0


def _children_cpu() -> float:
    """CPU seconds of the ended child processes (the stand-in ends after the run: not counted)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def slope_per_100k(samples: list[tuple[int, float]]) -> float:
    """Least-squares slope of RSS (MB) against Tasks stored, over the second half of the samples."""
    half = samples[len(samples) // 2 :]
    if len(half) < 2:
        return 0.0
    xs, ys = [float(x) for x, _ in half], [y for _, y in half]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return 0.0 if var == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var * 100_000


class Sampled:
    """The client, with RSS sampled before each page is handed on (the previous one is stored by then):
    this process's, plus the reading child's when the pull runs in one."""

    def __init__(self, client: Any, samples: list[tuple[int, float]]) -> None:
        self.client = client
        self.samples = samples
        self.child_mb = 0.0  # the reading child's RSS at the last sample
        self.read = 0
        self.waiting = 0.0  # seconds the sync waited for a page (HTTP, FHIR validation, reading)

    def changed_since(self, since: Any, *, scope: Any) -> Iterator[Any]:
        pages = iter(self.client.changed_since(since, scope=scope))
        while True:
            asked = time.perf_counter()
            page = next(pages, None)
            self.waiting += time.perf_counter() - asked
            if page is None:
                return
            child = getattr(self.client, "child_pid", None)
            self.child_mb = rss_mb(child) if child is not None else 0.0
            self.samples.append((self.read, rss_mb() + self.child_mb))
            self.read += len(page.tasks)
            yield page

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def _reset(store: Any) -> None:
    tables = (
        "anomaly_history, anomaly_counts, anomalies, anomaly_names, directory_sync, outbox, "
        "habilitation_members, habilitation_groups"
    )
    with store.engine.begin() as connection:
        if store.engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in tables.split(", "):
                connection.execute(text(f"DELETE FROM {table}"))


def run_once(count: int, url: str, *, reset: bool, read_ahead: str = "process") -> dict[str, Any]:
    from domain.clock import SystemClock
    from domain.habilitation import Group, Perimeter
    from domain.services.ror_sync import sync_from_ror_national
    from rornational.client import connect
    from rornational.config import RorConnection, RorHeaders
    from rornational.read_ahead import PullInProcess, ReadAhead
    from storage import open_store

    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    server = spawn.Process(target=_serve, args=(count, theirs), daemon=True)
    server.start()
    try:
        found = ours.recv()
        headers = found.pop("headers")
        connection = RorConnection(
            **found,
            headers=RorHeaders(
                profil_utilisateur_code=headers["Ror-Profil-Utilisateur-Code"],
                profil_utilisateur_system=headers["Ror-Profil-Utilisateur-System"],
                role_metier_code=headers["Ror-Role-Metier-Code"],
                role_metier_system=headers["Ror-Role-Metier-System"],
            ),
            read_timeout=60.0,
        )
        store = open_store(url)
        if reset:
            _reset(store)
        uow = store.uow()
        with uow:
            if uow.groups.get("Benchmark national") is None:
                uow.groups.add(Group("Benchmark national", Perimeter.everywhere(), set()))
                uow.commit()
        samples: list[tuple[int, float]] = []
        load_before = load()
        gc.freeze()  # as `ror-bot ror sync` does once its modules are loaded
        with connect(connection) as client:
            ahead = PullInProcess(client) if read_ahead == "process" else ReadAhead(client)
            source = Sampled(ahead, samples)
            started, cpu_started = time.perf_counter(), time.process_time()
            children_started = _children_cpu()
            report = sync_from_ror_national(
                source=source, origin=connection.anomalies_url, uow=store.uow(), clock=SystemClock()
            )
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            if isinstance(ahead, PullInProcess):
                ahead.close()  # the child ends: its CPU is counted below
            reader_cpu = _children_cpu() - children_started
        samples.append((source.read, rss_mb() + source.child_mb))
        stored = report.new + report.updated
        with store.engine.connect() as db:
            in_table = int(db.execute(text("SELECT count(*) FROM anomalies")).scalar_one())
        store.dispose()
    finally:
        ours.send("stop")
        server.join(10)
    return {
        "tasks": count,
        "database": store.engine.dialect.name,
        "read_ahead": read_ahead,
        "pages": report.pages,
        "stored": stored,
        "in_table": in_table,
        "unreadable": len(report.unreadable),
        "seconds": round(elapsed, 2),
        "tasks_per_s": round(stored / elapsed, 1) if elapsed else 0.0,
        "cpu_ms_per_task": round(cpu * 1000 / max(stored, 1), 3),
        "reader_cpu_ms_per_task": round(reader_cpu * 1000 / max(stored, 1), 3),
        "waiting_s": round(source.waiting, 2),
        "storing_tasks_per_s": round(stored / (elapsed - source.waiting), 1)
        if elapsed > source.waiting
        else 0.0,
        "rss_start_mb": round(samples[0][1], 1),
        "rss_end_mb": round(samples[-1][1], 1),
        "rss_max_mb": round(max(y for _, y in samples), 1),
        "rss_slope_mb_per_100k": round(slope_per_100k(samples), 2),
        "load_before": load_before,
        "load_after": load(),
    }


def store_only(count: int, url: str, *, reset: bool) -> dict[str, Any]:
    """The storage path alone: the same Tasks, read (no HTTP, no FHIR validation) one page at a time
    outside the clock, then stored by `store_page` as the sync stores them, timed page by page."""
    from domain.clock import SystemClock
    from domain.fhir.task_reading import read_task
    from domain.rornational import TaskPage
    from domain.services.ror_sync import RorSyncReport, store_page
    from storage import open_store

    store = open_store(url)
    if reset:
        _reset(store)
    tasks = SyntheticTasks(count, datetime(2026, 1, 1, tzinfo=UTC))
    report = RorSyncReport()
    uow = store.uow()
    storing = 0.0
    samples: list[tuple[int, float]] = []
    for start in range(0, count, 200):
        page = TaskPage(
            tasks=[read_task(b, region=None) for b in tasks[start : start + 200]], watermark=None, last=False
        )
        samples.append((start, rss_mb()))
        began = time.perf_counter()
        store_page(page, uow=uow, clock=SystemClock(), report=report, origin="benchmark", previous=None)
        storing += time.perf_counter() - began
    samples.append((count, rss_mb()))
    store.dispose()
    return {
        "stored": report.new,
        "seconds": round(storing, 2),
        "tasks_per_s": round(report.new / storing, 1) if storing else 0.0,
        "rss_slope_mb_per_100k": round(slope_per_100k(samples), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000, help="Tasks served by the stand-in")
    parser.add_argument("--database-url", help="default: a temporary SQLite file per run")
    parser.add_argument("--reset", action="store_true", help="empty the anomaly tables of --database-url")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--read-ahead",
        choices=("process", "thread"),
        default="process",
        help="where the pages are fetched, validated and read: a child process (ror-bot ror sync, the "
        "default) or a thread (the scheduler of ror-bot run)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--store-only",
        action="store_true",
        help="also time the storage path alone (Tasks read without HTTP nor FHIR validation)",
    )
    args = parser.parse_args(argv)
    if args.database_url and not args.reset:
        parser.error("--database-url needs --reset (the benchmark imports into empty anomaly tables)")
    runs = []
    for number in range(1, args.repeat + 1):
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{Path(folder) / 'sync.db'}"
            run = run_once(args.tasks, url, reset=bool(args.database_url), read_ahead=args.read_ahead)
        runs.append(run)
        verdict = "atteint" if run["tasks_per_s"] >= TARGET_TASKS_PER_S else "manqué"
        print(
            f"run {number} [{run['database']}, lecture : {run['read_ahead']}] : {run['stored']} Tasks stockées ({run['in_table']} en base) "
            f"en {run['seconds']} s sur {run['pages']} pages = {run['tasks_per_s']} Tasks/s "
            f"(objectif {TARGET_TASKS_PER_S:g} : {verdict}) ; dont {run['waiting_s']} s à attendre les pages "
            f"(HTTP, validation FHIR, lecture), {run['storing_tasks_per_s']} Tasks/s sur le reste du temps ; "
            f"CPU {run['cpu_ms_per_task']} ms par Task (+ {run['reader_cpu_ms_per_task']} dans le "
            f"processus de lecture) ; RSS {run['rss_start_mb']} → "
            f"{run['rss_end_mb']} Mo (max {run['rss_max_mb']}), pente {run['rss_slope_mb_per_100k']} Mo "
            f"/ 100 000 Tasks ; charge {run['load_before']} → {run['load_after']}",
            flush=True,
        )
        if args.store_only:
            with tempfile.TemporaryDirectory() as folder:
                url = args.database_url or f"sqlite:///{Path(folder) / 'store.db'}"
                alone = store_only(args.tasks, url, reset=bool(args.database_url))
            run["store_only"] = alone
            print(
                f"run {number} [{run['database']}] stockage seul : {alone['stored']} Tasks en {alone['seconds']} s "
                f"= {alone['tasks_per_s']} Tasks/s (objectif {TARGET_TASKS_PER_S:g} : "
                f"{'atteint' if alone['tasks_per_s'] >= TARGET_TASKS_PER_S else 'manqué'}), "
                f"pente RSS {alone['rss_slope_mb_per_100k']} Mo / 100 000 Tasks ; charge {load()}",
                flush=True,
            )
    if len(runs) > 1:
        rates = [r["tasks_per_s"] for r in runs]
        print(f"Tasks/s : médiane {statistics.median(rates):.1f}, min {min(rates)}, max {max(rates)}")
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
