"""Declaring through the domain service, as the Slack modal does: declarations and anomalies per second with
1 and 8 writer processes, each run lasting at least `seconds`, then a check that no reference was handed
out twice. On PostgreSQL, what the backends wait for is sampled meanwhile (pg_stat_activity, every 10 ms):
lock waits would show writers serialised by a row they all update; waits on the client show the writers'
own CPU is the limit. The benchmark's own anomalies are removed afterwards (and the counters rebuilt) so
that runs can be repeated on the same dataset; the reference sequence is not rewound."""

import itertools
import multiprocessing
import os
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import text

from benchmarks.generate import BENCH_MEMBER, DEFAULT_SEED
from domain.catalogue import CATALOGUE, ResourceKind
from domain.clock import SystemClock
from domain.identifiers import Reference
from domain.services import DeclarationRequest, DeclaredItem, declare_anomalies
from storage import Store, open_store
from storage.maintenance import rebuild_counts_sql

SYSTEM = "Benchmark (issue 5)"


def _targets(store: Store, how_many: int, seed: int) -> list[tuple[str, str | None, str]]:
    """(structure id, offer id or None, kind) of resources spread over the directory."""
    with store.engine.connect() as connection:
        total = connection.execute(text("SELECT max(id) FROM directory_resources")).scalar() or 0
        rng = random.Random(seed)
        ids = sorted({rng.randint(1, total) for _ in range(how_many * 2)})
        rows = connection.execute(
            text(
                f"SELECT kind, resource_id, structure_id FROM directory_resources WHERE id IN ({','.join(map(str, ids))})"
            )
        ).all()
    targets = [
        (r.structure_id, r.resource_id, "Offre") if r.kind == "Offre" else (r.resource_id, None, "Structure")
        for r in rows
    ]
    rng.shuffle(targets)
    return targets


def _requests(targets: list[tuple[str, str | None, str]], seed: int) -> Iterator[DeclarationRequest]:
    """Endless declarations of 1–3 items on the targets, each with its own idempotency key."""
    rng = random.Random(seed)
    for i in itertools.count():
        structure_id, offer_id, kind = targets[i % len(targets)]
        items = rng.sample(CATALOGUE[ResourceKind(kind)], rng.randint(1, 3))
        yield DeclarationRequest(
            structure_id=structure_id,
            offer_id=offer_id,
            items=tuple(DeclaredItem(item.label, f"Benchmark : valeur à vérifier ({i})") for item in items),
            idempotency_key=f"bench-{uuid.uuid4()}",
        )


def _writer(
    url: str,
    targets: list[tuple[str, str | None, str]],
    seed: int,
    at_least: tuple[int, float],
    start: Any,
    results: Any,
) -> None:
    """Declares until it made at least `at_least` = (declarations, seconds), both."""
    store = open_store(url, upgrade_schema=False)
    clock = SystemClock()
    requests = _requests(targets, seed)
    count, seconds = at_least
    start.wait()
    began = time.monotonic()
    cpu = time.process_time()
    references: list[str] = []
    errors = done = 0
    while done < count or time.monotonic() - began < seconds:
        done += 1
        try:
            created = declare_anomalies(
                request=next(requests), member=BENCH_MEMBER, uow=store.uow(), clock=clock, system=SYSTEM
            )
        except Exception:  # counted and reported: a benchmark run must say how many declarations failed
            errors += 1
            continue
        references.extend(a.reference for a in created)
    results.put((began, time.monotonic(), references, errors, done, time.process_time() - cpu))
    store.dispose()


class _WaitSampler:
    """What the benchmark's PostgreSQL backends are doing, sampled every 10 ms in a thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        store = open_store(self.url, upgrade_schema=False)
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            while not self._stop.wait(0.01):
                rows = connection.execute(
                    text(
                        "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND backend_type = 'client backend' AND state <> 'idle'"
                    )
                ).all()
                self.samples += 1
                for state, kind, event in rows:
                    self.seen[_wait_label(state, kind, event)] += 1
        store.dispose()

    def __enter__(self) -> "_WaitSampler":
        self._thread.start()
        return self

    def __exit__(self, *_args: object) -> None:
        self._stop.set()
        self._thread.join()

    def share(self) -> dict[str, float]:
        """Average number of backends in each state (the writers' backends add up to about 8)."""
        return {label: round(n / max(1, self.samples), 2) for label, n in self.seen.most_common()}


def _wait_label(state: str, kind: str | None, event: str | None) -> str:
    if kind == "Client":
        return "waiting for the client (Python)" if state.startswith("idle") else "sending to the client"
    if kind is None:
        return "running (CPU)"
    return f"{kind}: {event}"


def measure(url: str, *, writers: int, declarations: int, seed: int, seconds: float = 0.0) -> dict[str, Any]:
    store = open_store(url)
    targets = _targets(store, max(50, declarations), seed)
    dialect = store.dialect
    store.dispose()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(writers)
    results = context.Queue()
    per_writer = max(1, declarations // writers)
    processes = [
        context.Process(
            target=_writer, args=(url, targets, seed * 100 + w, (per_writer, seconds), start, results)
        )
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    load_before = os.getloadavg()
    sampler = _WaitSampler(url) if dialect == "postgresql" else None
    if sampler:
        sampler.__enter__()
    try:
        outcomes = [results.get() for _ in processes]
    finally:
        if sampler:
            sampler.__exit__()
    for process in processes:
        process.join()
    began = min(o[0] for o in outcomes)
    ended = max(o[1] for o in outcomes)
    references = [ref for o in outcomes for ref in o[2]]
    errors = sum(o[3] for o in outcomes)
    done = sum(o[4] for o in outcomes)
    cpu = sum(o[5] for o in outcomes)
    store = open_store(url, upgrade_schema=False)
    with store.engine.connect() as connection:
        numbers = [Reference.parse(r).number for r in references]
        stored = connection.execute(
            text("SELECT count(DISTINCT number) FROM anomalies WHERE declaring_system = :s"), {"s": SYSTEM}
        ).scalar()
    store.dispose()
    elapsed = ended - began
    return {
        "label": f"declare_anomalies, {writers} writer{'s' if writers > 1 else ''}",
        "writers": writers,
        "declarations": done,
        "anomalies": len(references),
        "seconds": round(elapsed, 2),
        "per_second": round(len(references) / elapsed, 1) if elapsed else 0.0,
        "declarations_per_second": round((done - errors) / elapsed, 1) if elapsed else 0.0,
        "client_cpu_ms_per_declaration": round(cpu / max(1, done) * 1000, 2),
        "duplicates": len(numbers) - len(set(numbers)),
        "stored": stored,
        "errors": errors,
        "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
        "backends": sampler.share() if sampler else None,
    }


def _max_outbox_id(url: str) -> int:
    store = open_store(url, upgrade_schema=False)
    with store.engine.connect() as connection:
        found = connection.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar()
    store.dispose()
    return int(found or 0)


def clean_up(url: str, outbox_after: int) -> None:
    """Remove what the benchmark declared, so the dataset is the generated one again."""
    store = open_store(url, upgrade_schema=False)
    with store.engine.begin() as connection:
        first = connection.execute(
            text("SELECT min(number) FROM anomalies WHERE declaring_system = :s"), {"s": SYSTEM}
        ).scalar()
        if first is not None:
            connection.execute(text("DELETE FROM anomaly_history WHERE anomaly_number >= :n"), {"n": first})
            connection.execute(text("DELETE FROM anomalies WHERE declaring_system = :s"), {"s": SYSTEM})
        connection.execute(text("DELETE FROM declarations WHERE key LIKE 'bench-%'"))
        connection.execute(text("DELETE FROM outbox WHERE id > :n"), {"n": outbox_after})
        for statement in rebuild_counts_sql():
            connection.execute(text(statement))
    if store.dialect == "postgresql":
        # The rebuild rewrote every counter row: without a vacuum the next runs read the dead ones too.
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE) anomaly_counts"))
    store.dispose()


def run_declare(
    url: str,
    *,
    declarations: int,
    say: Callable[[str], None],
    seed: int = DEFAULT_SEED,
    seconds: float = 30.0,
    repeat: int = 1,
) -> list[dict[str, Any]]:
    """1 then 8 writers, `repeat` times each (alternating), each run at least `seconds` long."""
    rows = []
    outbox_after = _max_outbox_id(url)
    try:
        for run in range(repeat):
            for writers in (1, 8):
                row = measure(
                    url,
                    writers=writers,
                    declarations=declarations,
                    seed=seed + writers + 10 * run,
                    seconds=seconds,
                )
                row["run"] = run + 1
                say(
                    f"  {row['label']:32} {row['declarations']:6,} declarations, {row['anomalies']:6,} anomalies "
                    f"in {row['seconds']:6.2f} s = {row['declarations_per_second']:7,.0f} declarations/s, "
                    f"{row['per_second']:7,.0f} anomalies/s; client CPU {row['client_cpu_ms_per_declaration']} ms "
                    f"per declaration; load {row['load_average'][0]} → {row['load_average'][3]}; "
                    f"duplicates={row['duplicates']} errors={row['errors']}"
                )
                if row["backends"]:
                    say(f"    PostgreSQL backends (average number): {row['backends']}")
                rows.append(row)
    finally:
        clean_up(url, outbox_after)
    return rows
