"""Declaring through the domain service, as the Slack modal does: anomalies per second with 1 and 8 writer
processes, then a check that no reference was handed out twice. The benchmark's own anomalies are
removed afterwards (and the counters rebuilt) so that runs can be repeated on the same dataset;
the reference sequence is not rewound: references are never reused."""

import multiprocessing
import random
import time
import uuid
from collections.abc import Callable
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


def _requests(targets: list[tuple[str, str | None, str]], count: int, seed: int) -> list[DeclarationRequest]:
    rng = random.Random(seed)
    requests = []
    for i in range(count):
        structure_id, offer_id, kind = targets[i % len(targets)]
        items = rng.sample(CATALOGUE[ResourceKind(kind)], rng.randint(1, 3))
        requests.append(
            DeclarationRequest(
                structure_id=structure_id,
                offer_id=offer_id,
                items=tuple(
                    DeclaredItem(item.label, f"Benchmark : valeur à vérifier ({i})") for item in items
                ),
                idempotency_key=f"bench-{uuid.uuid4()}",
            )
        )
    return requests


def _writer(url: str, requests: list[DeclarationRequest], start: Any, results: Any) -> None:
    store = open_store(url, upgrade_schema=False)
    clock = SystemClock()
    start.wait()
    began = time.monotonic()
    references: list[str] = []
    errors = 0
    for request in requests:
        try:
            created = declare_anomalies(
                request=request, member=BENCH_MEMBER, uow=store.uow(), clock=clock, system=SYSTEM
            )
        except Exception:  # counted and reported: a benchmark run must say how many declarations failed
            errors += 1
            continue
        references.extend(a.reference for a in created)
    results.put((began, time.monotonic(), references, errors))
    store.dispose()


def measure(url: str, *, writers: int, declarations: int, seed: int) -> dict[str, Any]:
    store = open_store(url)
    targets = _targets(store, max(50, declarations), seed)
    store.dispose()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(writers)
    results = context.Queue()
    per_writer = max(1, declarations // writers)
    processes = [
        context.Process(
            target=_writer, args=(url, _requests(targets, per_writer, seed * 100 + w), start, results)
        )
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get() for _ in processes]
    for process in processes:
        process.join()
    began = min(o[0] for o in outcomes)
    ended = max(o[1] for o in outcomes)
    references = [ref for o in outcomes for ref in o[2]]
    errors = sum(o[3] for o in outcomes)
    store = open_store(url, upgrade_schema=False)
    with store.engine.connect() as connection:
        numbers = [Reference.parse(r).number for r in references]
        stored = connection.execute(
            text("SELECT count(DISTINCT number) FROM anomalies WHERE declaring_system = :s"), {"s": SYSTEM}
        ).scalar()
    store.dispose()
    seconds = ended - began
    return {
        "label": f"declare_anomalies, {writers} writer{'s' if writers > 1 else ''}",
        "writers": writers,
        "declarations": per_writer * writers,
        "anomalies": len(references),
        "seconds": round(seconds, 2),
        "per_second": round(len(references) / seconds, 1) if seconds else 0.0,
        "duplicates": len(numbers) - len(set(numbers)),
        "stored": stored,
        "errors": errors,
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
    store.dispose()


def run_declare(
    url: str, *, declarations: int, say: Callable[[str], None], seed: int = DEFAULT_SEED
) -> list[dict[str, Any]]:
    rows = []
    outbox_after = _max_outbox_id(url)
    try:
        for writers in (1, 8):
            row = measure(url, writers=writers, declarations=declarations, seed=seed + writers)
            say(
                f"  {row['label']:32} {row['anomalies']:6,} anomalies in {row['seconds']:6.2f} s = "
                f"{row['per_second']:8,.0f}/s  duplicates={row['duplicates']} errors={row['errors']}"
            )
            rows.append(row)
    finally:
        clean_up(url, outbox_after)
    return rows
