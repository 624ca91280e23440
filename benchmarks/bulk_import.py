"""Bulk declaring, measured the way a user runs it: `ror-bot anomalies import FILE` in its own process.

    .venv/bin/python -m benchmarks.bulk_import --rows 1000000 --repeat 3
    .venv/bin/python -m benchmarks.bulk_import --rows 1000000 --repeat 3 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Each run starts from a fresh database (a temporary SQLite file, or a throw-away PostgreSQL database created
through the admin URL and dropped afterwards) holding a directory of `--structures` structures (a third of
them with a recipient) and one national member, then imports the same CSV file of `--rows` distinct
anomalies (a few percent of lines refused on purpose: unknown resources, bad labels, empty descriptions).
Timed: the whole command, start-up included. Reported per run: rows/s (lines read / wall time), the CPU time
of the command's process and rows per CPU second, its peak RSS (wait4), the 1-minute load average before and
after; then the same file imported a second time (everything « déjà présente »). After each run the totals are checked against count(*)."""

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, create_engine, insert, text

from domain.catalogue import CATALOGUE, ResourceKind
from domain.filters import AnomalyFilter
from domain.geography import DEPARTEMENT_TO_REGION
from domain.habilitation import Member, Perimeter
from domain.services import list_anomalies
from storage import open_store
from storage.maintenance import counts_are_exact
from storage.models import ResourceRow

EMAIL = "qualite@editeur.example"
GROUP = "Benchmark import national"
ROOT = Path(__file__).resolve().parents[1]
ROR_BOT = Path(sys.executable).with_name("ror-bot")


def structure_id(i: int) -> str:
    return f"3{i:014d}"  # a SIRET-shaped ID National Structure


def write_csv(path: Path, *, rows: int, structures: int, seed: int) -> int:
    """The import file; returns how many lines are refused on purpose."""
    rng = random.Random(seed)
    labels = [item.label for item in CATALOGUE[ResourceKind.STRUCTURE]]
    refused = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["ressource", "donnee", "description", "regle", "valeur_proposee"])
        for n in range(rows):
            resource = structure_id(rng.randrange(structures))
            label = labels[n % len(labels)]
            description = f"Contrôle {n} : la donnée ne respecte pas la règle de complétude"
            roll = rng.random()
            if roll < 0.01:
                resource, refused = structure_id(structures + n), refused + 1  # unknown structure
            elif roll < 0.02:
                label, refused = "Donnée inconnue", refused + 1
            elif roll < 0.03:
                description, refused = "", refused + 1
            writer.writerow([resource, label, description, f"R-{n % 40:03d}", "" if n % 3 else "valeur"])
    return refused


def seed_directory(url: str, structures: int) -> None:
    store = open_store(url)
    departements = sorted(DEPARTEMENT_TO_REGION)
    table = cast(Table, ResourceRow.__table__)
    rows = []
    for i in range(structures):
        dep = departements[i % len(departements)]
        name = f"CENTRE HOSPITALIER {i} DE {dep}"
        rows.append(
            {
                "kind": ResourceKind.STRUCTURE.value,
                "resource_id": structure_id(i),
                "name": name,
                "structure_id": structure_id(i),
                "structure_name": name,
                "offer_name": None,
                "region": DEPARTEMENT_TO_REGION[dep],
                "departement": dep,
                "address": f"{i} rue de la Santé",
                "recipient": f"referent{i}@etablissement.example" if i % 3 == 0 else None,
                "data": {"Nom de la structure": name},
                "updated_at": None,
                "identifier_system": None,
            }
        )
    with store.engine.begin() as connection:
        connection.execute(insert(table), rows)
    with store.uow() as uow:
        from domain.habilitation import Group

        uow.groups.add(Group(name=GROUP, perimeter=Perimeter.everywhere(), members={EMAIL}))
        uow.commit()
    store.dispose()


@contextmanager
def fresh_database(postgres_admin: str | None, workdir: Path) -> Iterator[str]:
    if not postgres_admin:
        path = workdir / f"bulk-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"ror_bulk_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_admin.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def run_import(url: str, path: Path) -> dict[str, Any]:
    """One `ror-bot anomalies import` process: wall time, its own peak RSS, its summary line."""
    env = {**os.environ, "DATABASE_URL": url}
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(ROR_BOT), "anomalies", "import", "--as", EMAIL, str(path)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the refused lines, on purpose
    )
    assert process.stdout is not None
    out = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(elapsed, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        # CPU of the command's process alone (not PostgreSQL's): on a shared machine, wall time measures the
        # neighbours too; lines per CPU second say what the code costs.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "summary": out.strip(),
        "exit": process.returncode,
    }


def check_totals(url: str, expected: int) -> None:
    store = open_store(url)
    try:
        member = Member(email=EMAIL, group=GROUP, perimeter=Perimeter.everywhere())
        listed = list_anomalies(flt=AnomalyFilter(), member=member, uow=store.reader()).total
        with store.engine.connect() as connection:
            counted = connection.execute(text("SELECT count(*) FROM anomalies")).scalar_one()
            exact = counts_are_exact(connection)
        if not (listed == counted == expected and exact):
            raise SystemExit(f"totaux faux : listés {listed}, count(*) {counted}, attendus {expected}")
    finally:
        store.dispose()


def spread(values: Sequence[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:,.0f}"
    return f"{statistics.median(values):,.0f} (min {min(values):,.0f}, max {max(values):,.0f})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bulk_import", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--structures", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="measure PostgreSQL (else SQLite)")
    parser.add_argument("--workdir", type=Path, help="where the file and SQLite databases go")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="ror-bulk-", dir=args.workdir))
    try:
        path = workdir / "import.csv"
        refused = write_csv(path, rows=args.rows, structures=args.structures, seed=args.seed)
        database = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"{database} · {args.rows:,} lignes ({refused:,} refusées exprès) · {args.structures:,} structures"
        )
        first, again = [], []
        for n in range(1, args.repeat + 1):
            with fresh_database(args.postgres, workdir) as url:
                seed_directory(url, args.structures)
                run = run_import(url, path)
                check_totals(url, args.rows - refused)
                second = run_import(url, path)
                check_totals(url, args.rows - refused)
            first.append(args.rows / run["seconds"])
            again.append(args.rows / second["seconds"])
            print(
                f"run {n}: {args.rows / run['seconds']:,.0f} lignes/s ({run['seconds']} s, CPU du processus "
                f"{run['cpu_seconds']} s soit {args.rows / run['cpu_seconds']:,.0f} lignes/s CPU, pic RSS "
                f"{run['peak_rss_mb']} Mo, charge {run['load_before']} → {run['load_after']}) · "
                f"réimport {args.rows / second['seconds']:,.0f} lignes/s ({second['seconds']} s, pic RSS "
                f"{second['peak_rss_mb']} Mo) · {run['summary']}"
            )
        print(f"import : {spread(first)} lignes/s ; réimport du même fichier : {spread(again)} lignes/s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
