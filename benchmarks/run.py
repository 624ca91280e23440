"""The benchmark suite of issue 5: measures the app at national scale and prints a table (and JSON).

    .venv/bin/python -m benchmarks.run --database-url URL [--generate] [--scale 1] [--json out.json]

Sections (all by default, or pick with --only): listing, declare, http, digests. Each figure is a median
and a p95 (p99 for HTTP) over repeated runs. The listing and the HTTP app run in their own processes so
their peak RSS is the app's own (VmHWM), reported as the memory section.
"""

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.generate import DEFAULT_SEED, generate
from benchmarks.stats import peak_rss_mb, shown_load, shown_spread
from storage import open_store

SECTIONS = ("listing", "declare", "http", "digests")
TARGETS = {
    "listing_p95_ms": 50.0,
    "listing_ratio": 1.5,
    "declare_sqlite_1": 500.0,
    "declare_postgresql_8": 1500.0,
    "http_p99_ms": 150.0,
    "http_ratio": 1.5,
    "http_cold_ms": 150.0,
    "digests_s": 10.0,
    "rss_mb": 300.0,
}


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def machine(url: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            info["ram_gb"] = round(int(meminfo.readline().split()[1]) / 1024 / 1024, 1)
        with open("/proc/cpuinfo", encoding="ascii") as cpuinfo:
            info["cpu"] = next(
                (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), ""
            )
    except OSError:
        pass
    store = open_store(url)
    try:
        with store.engine.connect() as connection:
            info["database"] = store.dialect
            if store.dialect == "postgresql":
                info["postgresql"] = connection.execute(text("SHOW server_version")).scalar()
            info["anomalies"] = connection.execute(text("SELECT count(*) FROM anomalies")).scalar()
    finally:
        store.dispose()
    return info


# --- children: each measured part in its own process ---------------------------------------------------


def child_listing(url: str, repeat: int) -> dict[str, Any]:
    from benchmarks.listing import run_listing

    store = open_store(url)
    try:
        rows = run_listing(store, url, repeat=repeat, say=say)
    finally:
        store.dispose()
    return {"rows": rows, "peak_rss_mb": peak_rss_mb()}


def _run_child(section: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--database-url",
        args.database_url,
        "--child",
        section,
        "--repeat",
        str(args.repeat),
        "--scale",
        str(args.scale),
    ]
    done = subprocess.run(command, stdout=subprocess.PIPE, check=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


CHILDREN: dict[str, Callable[[str, int], dict[str, Any]]] = {"listing": child_listing}


# --- the report ------------------------------------------------------------------------------------------


def _ok(value: float | None, target: float, *, higher_is_better: bool = False) -> str:
    if value is None:
        return "n/a"
    return "ok" if (value >= target if higher_is_better else value <= target) else "MISSED"


def render(report: dict[str, Any]) -> str:
    out: list[str] = []
    m = report["machine"]
    db = m["database"] + (f" {m['postgresql']}" if m.get("postgresql") else f" (SQLite {m['sqlite']})")
    out.append(
        f"# {db} — {m.get('anomalies', 0):,} anomalies — {m['nproc']} CPU, {m.get('ram_gb', '?')} GB RAM"
    )
    listing = report.get("listing")
    if listing:
        out.append("")
        out.append(
            "| listing (page 1 of 20 + total) | total from | total | ours p50 | ours p95 (rounds) | hand p50 "
            "| hand p95 | ratio p95 (rounds) | load (1 min) | target |"
        )
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
        for row in listing["rows"]:
            o, h = row["ours"], row["hand"]
            verdict = (
                "ok"
                if o["p95_ms"] <= TARGETS["listing_p95_ms"]
                and (row["ratio_p95"] or 0) <= TARGETS["listing_ratio"]
                else "MISSED"
            )
            same = "" if row["same_result"] else " (results differ!)"
            low, high = row.get("ours_p95_spread_ms", [o["p95_ms"]] * 2)
            r_low, r_high = row.get("ratio_p95_spread", [row["ratio_p95"]] * 2)
            load = "–".join(f"{x:.1f}" for x in row.get("load_1min", [])[:1] + row.get("load_1min", [])[-1:])
            out.append(
                f"| {row['combo']}{same} | {row.get('total_from', '')} | {row['total']:,} | {o['median_ms']:.1f} ms | "
                f"{o['p95_ms']:.1f} ms ({low:.1f}–{high:.1f}) | {h['median_ms']:.1f} ms | {h['p95_ms']:.1f} ms | "
                f"{row['ratio_p95']} ({r_low}–{r_high}) | {load} | {verdict} |"
            )
            counting = row.get("counting_rows")
            if counting:
                co, ch = counting["ours"], counting["hand"]
                out.append(
                    f"| ↳ same, both with count(*) | rows | | {co['median_ms']:.1f} ms | {co['p95_ms']:.1f} ms | "
                    f"{ch['median_ms']:.1f} ms | {ch['p95_ms']:.1f} ms | {counting['ratio_p95']} | | — |"
                )
    declare = report.get("declare")
    if declare:
        out.append("")
        out.append(
            "| declaring | writers | declarations | anomalies | seconds | declarations/s | anomalies/s "
            "| client CPU per declaration | load (1 min) | duplicates | target |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for row in declare["rows"]:
            key = f"declare_{m['database']}_{row['writers']}"
            target = TARGETS.get(key)
            # The PostgreSQL target counts declarations (of 1–3 anomalies); SQLite's, anomalies.
            per_second = (
                row["declarations_per_second"] if m["database"] == "postgresql" else row["per_second"]
            )
            unit = "declarations" if m["database"] == "postgresql" else "anomalies"
            verdict = (
                f"≥ {target:,.0f} {unit}/s {_ok(per_second, target, higher_is_better=True)}"
                if target
                else "—"
            )
            if row["writers"] > 1:
                single = [
                    r["declarations_per_second"]
                    for r in declare["rows"]
                    if r["writers"] == 1 and r.get("run") == row.get("run")
                ]
                if single and single[0]:
                    verdict += f"; × {row['declarations_per_second'] / single[0]:.1f} one writer (≥ 4)"
            out.append(
                f"| {row['label']} (run {row.get('run', 1)}) | {row['writers']} | {row['declarations']:,} | "
                f"{row['anomalies']:,} | {row['seconds']:.1f} | {row['declarations_per_second']:,.0f} | "
                f"{row['per_second']:,.0f} | {row['client_cpu_ms_per_declaration']:.1f} ms | "
                f"{row['load_average'][0]:.1f} → {row['load_average'][3]:.1f} | {row['duplicates']} | {verdict} |"
            )
    http = report.get("http")
    if http:
        out.append("")
        out.extend(render_http(http))
    digests = report.get("digests")
    if digests:
        out.append("")
        out.append("| digests | subscriptions | seconds | per digest | target |")
        out.append("|---|---:|---:|---:|---|")
        if digests.get("skipped"):
            out.append(f"| {digests['skipped']} | | | | n/a |")
        else:
            shown = shown_spread(digests["seconds_spread"], unit="s") if "seconds_spread" in digests else ""
            out.append(
                f"| built, {digests.get('workers', 1)} at a time (as the scheduler) | {digests['subscriptions']:,} | "
                f"{digests['seconds']:.1f} ({shown}) | {digests['per_digest_ms']:.1f} ms | "
                f"≤ {TARGETS['digests_s']:.0f} s {_ok(digests['seconds'], TARGETS['digests_s'])} |"
            )
            if "sequential_seconds" in digests:
                out.append(
                    f"| built one at a time | {digests['subscriptions']:,} | {digests['sequential_seconds']:.1f} "
                    f"({shown_spread(digests['sequential_spread'], unit='s')}) | "
                    f"{digests['sequential_seconds'] / digests['subscriptions'] * 1000:.1f} ms | — |"
                )
            full = digests.get("full_run")
            if full:
                outcomes = ", ".join(f"{k} {v}" for k, v in sorted(full["outcomes"].items()))
                out.append(
                    f"| full run: claim + build + post to a local fake Slack + finish ({outcomes}) | "
                    f"{full['subscriptions']:,} | {full['seconds']:.1f} | {full['per_digest_ms']:.1f} ms | — |"
                )
    memory = report.get("memory")
    if memory:
        out.append("")
        out.append("| peak RSS of the app process | MB | target |")
        out.append("|---|---:|---|")
        for label, value in memory.items():
            out.append(
                f"| {label} | {value:.0f} | ≤ {TARGETS['rss_mb']:.0f} MB {_ok(value, TARGETS['rss_mb'])} |"
            )
    return "\n".join(out)


def render_http(http: dict[str, Any]) -> list[str]:
    """The HTTP section: every figure as min–median–max over its repetitions, with the load beside it."""
    m = http["summary"]
    ratio_ok = _ok(m["ratio_p99"]["max"], TARGETS["http_ratio"])
    cold_ok = _ok(m["cold_max_ack_ms"]["max"], TARGETS["http_cold_ms"])
    loads = [r["app"]["load"] for r in http["rounds"]] + [r["bare"]["load"] for r in http["rounds"]]
    requests = sum(r["app"]["requests"] for r in http["rounds"])
    answers = sum(r["app"]["answers"] for r in http["rounds"])
    lines = [
        f"| HTTP, {http['clients']} concurrent clients, {m['rounds']} alternating rounds of "
        f"{http['clients'] * http['per_client']} requests (min–median–max) | ours | bare Bolt | target |",
        "|---|---:|---:|---|",
        f"| ack p50 | {shown_spread(m['ours_p50_ms'], unit='ms')} | {shown_spread(m['bare_p50_ms'], unit='ms')} | |",
        f"| ack p99 | {shown_spread(m['ours_p99_ms'], unit='ms')} | {shown_spread(m['bare_p99_ms'], unit='ms')} | "
        f"≤ {TARGETS['http_p99_ms']:.0f} ms {_ok(m['ours_p99_ms']['max'], TARGETS['http_p99_ms'])} |",
        f"| ratio ours / bare, p99 | {shown_spread(m['ratio_p99'], digits=2)} | | ≤ {TARGETS['http_ratio']} "
        f"(every round) {ratio_ok} |",
        f"| p99 of all rounds' acks pooled, and its ratio | {m['pooled_ours_p99_ms']:.1f} ms "
        f"(ratio {m['pooled_ratio_p99']}) | {m['pooled_bare_p99_ms']:.1f} ms | ≤ {TARGETS['http_ratio']} "
        f"{_ok(m['pooled_ratio_p99'], TARGETS['http_ratio'])} |",
        f"| answers arrived / requests (missing, duplicated, wrong) | {answers}/{requests} "
        f"({m['answers_missing']}, {m['answers_duplicated']}, {m['answers_wrong']}) | | all, once, right "
        f"{'ok' if answers == requests and not m['answers_duplicated'] and not m['answers_wrong'] else 'MISSED'} |",
        f"| answer delay p95 (request → answer at the fake Slack) | {shown_spread(m['answer_p95_ms'], unit='ms')} | | — |",
        f"| answer delay, slowest | {shown_spread(m['answer_max_ms'], unit='ms')} | | — |",
        f"| cold start: first ack once /healthz says 200 | {shown_spread(m['cold_first_ack_ms'], unit='ms')} | | |",
        f"| cold start: slowest of the first {http['clients'] + 1} acks | {shown_spread(m['cold_max_ack_ms'], unit='ms')} | | "
        f"≤ {TARGETS['http_cold_ms']:.0f} ms {cold_ok} |",
        f"| errors (HTTP status ≠ 200) | {m['errors']} | | 0 {'ok' if m['errors'] == 0 else 'MISSED'} |",
        f"| 1-minute load average during the rounds | {shown_load(loads)} | | |",
    ]
    declaring = http.get("declaring") or []
    if declaring:
        d_loads = [d["load"] for d in declaring]
        seconds = declaring[0]["seconds"]
        lines += [
            "",
            f"| declaring through the modal over HTTP ({len(declaring)} runs of {seconds:.0f} s) | ours | target |",
            "|---|---:|---|",
            f"| declarations/s (views.open, then view_submission) | {shown_spread(m['declarations_per_s'], unit='/s')} | — |",
            f"| submission ack p99 | {shown_spread(m['declare_submit_ack_p99_ms'], unit='ms')} | < 3 s |",
            f"| DM delay p95 (ack → DM at the fake Slack) | {shown_spread(m['declare_dm_delay_p95_ms'], unit='ms')} | — |",
            f"| failed declarations, missing DMs | {m['declare_failures']}, {m['declare_dms_missing']} | 0, 0 |",
            f"| 1-minute load average | {shown_load(d_loads)} | |",
        ]
    lines += [
        "",
        f"| memory, `ror-bot run` process tree ({m['memory_processes']} processes), added up | MB | target |",
        "|---|---:|---|",
        f"| peak RSS (VmHWM) | {shown_spread(m['memory_tree_peak_mb'], digits=0)} | ≤ {TARGETS['rss_mb']:.0f} MB "
        f"{_ok(m['memory_tree_peak_mb']['max'], TARGETS['rss_mb'])} |",
        f"| RSS | {shown_spread(m['memory_tree_rss_mb'], digits=0)} | |",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", required=True, help="sqlite:///bench.db or postgresql+psycopg://…/ror_bench"
    )
    parser.add_argument(
        "--generate", action="store_true", help="(re)generate the dataset first (erases the database)"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="dataset scale: 1 = 1,000,000 anomalies")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=40, help="runs per listing measurement")
    parser.add_argument(
        "--declarations",
        type=int,
        default=400,
        help="at least this many declarations per run (1–3 items each)",
    )
    parser.add_argument(
        "--declare-seconds", type=float, default=30.0, help="and each declaring run lasts at least this long"
    )
    parser.add_argument("--declare-repeat", type=int, default=2, help="declaring runs per writer count")
    parser.add_argument("--http-requests", type=int, default=30, help="requests per client (20 clients)")
    parser.add_argument("--http-rounds", type=int, default=5, help="HTTP rounds of ours and of the bare app")
    parser.add_argument("--http-cold-starts", type=int, default=3, help="fresh app servers for the cold ack")
    parser.add_argument(
        "--http-declare-seconds", type=float, default=30.0, help="length of one declaring run over HTTP"
    )
    parser.add_argument("--http-declare-runs", type=int, default=3, help="declaring runs over HTTP")
    parser.add_argument("--subscriptions", type=int, default=1000, help="digests to build")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated sections among {', '.join(SECTIONS)}"
    )
    parser.add_argument("--json", type=Path, help="also write the report as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(CHILDREN[args.child](args.database_url, args.repeat)))
        return 0

    report: dict[str, Any] = {"command": " ".join(["python -m benchmarks.run", *(argv or sys.argv[1:])])}
    if args.generate:
        report["generation"] = generate(args.database_url, scale=args.scale, seed=args.seed, say=say)
    report["machine"] = machine(args.database_url)
    report["database_url"] = make_url(args.database_url).render_as_string(hide_password=True)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    memory: dict[str, float] = {}
    started = time.perf_counter()
    if "listing" in sections:
        say("listing …")
        report["listing"] = _run_child("listing", args)
        memory["during listing"] = report["listing"]["peak_rss_mb"]
    if "declare" in sections:
        from benchmarks.declare import run_declare

        say("declaring …")
        report["declare"] = {
            "rows": run_declare(
                args.database_url,
                declarations=args.declarations,
                say=say,
                seconds=args.declare_seconds,
                repeat=args.declare_repeat,
            )
        }
    if "digests" in sections:
        from benchmarks.digests import run_digests

        say("digests …")
        report["digests"] = run_digests(
            args.database_url, subscriptions=args.subscriptions, seed=args.seed, say=say
        )
    if "http" in sections:
        from benchmarks.slack_http import run_http

        say("HTTP app …")
        report["http"] = run_http(
            args.database_url,
            clients=20,
            per_client=args.http_requests,
            rounds=args.http_rounds,
            cold_starts=args.http_cold_starts,
            declare_rounds=args.http_declare_runs,
            declare_seconds=args.http_declare_seconds,
            say=say,
        )
        memory["ror-bot run process tree (serving + workers), peak, median of the rounds"] = report["http"][
            "summary"
        ]["memory_tree_peak_mb"]["median"]
    if memory:
        report["memory"] = memory
    report["seconds"] = round(time.perf_counter() - started, 1)
    table = render(report)
    print(table)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
