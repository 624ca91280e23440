"""Listing through the domain service (first page of 20 + total) against the same query hand-written in SQL.

Like with like: where our total comes from the counters (anomaly_counts), the hand-written total reads the
same counters (`count_where`); a second measurement makes both count the anomaly rows (`count(*)`), ours by
disabling the counters in this process. Each filter is measured in several rounds; the spread of the p95
across rounds and the load average are reported with it."""

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from benchmarks.generate import BENCH_EMAIL, BENCH_GROUP
from benchmarks.stats import summary_ms, timed
from domain.filters import parse_filter_words
from domain.habilitation import Member, Perimeter
from domain.services import list_anomalies
from storage import Store
from storage.conditions import count_conditions
from storage.models import FIRST_REFERENCE_NUMBER
from storage.repositories import anomalies as anomalies_repository

PAGE_SIZE = 20
OPEN = "('01','02','04','05','06','10','11')"


@dataclass(frozen=True)
class Combo:
    label: str
    words: list[str]
    where: str  # hand-written SQL condition, :name parameters
    params: dict[str, Any] = field(default_factory=dict)
    regions: frozenset[str] | None = None  # a regional member's perimeter; None: national
    # The same total from anomaly_counts, written by hand; set exactly where ours reads the counters too.
    count_where: str | None = None


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def combos(resource: str) -> list[Combo]:
    """Realistic filters; dates are Europe/Paris days, written by hand as their UTC bounds."""
    return [
        Combo("national, no filter", [], "1 = 1", count_where="1 = 1"),
        Combo("région 76", ["region=76"], "region = :r", {"r": "76"}, count_where="region = :r"),
        Combo(
            "dép. 11 + statut=bloquee",
            ["dep=11", "statut=bloquee"],
            "departement = :d AND status IN ('04', '11')",
            {"d": "11"},
            count_where="departement = :d AND status IN ('04', '11')",
        ),
        Combo("nom=hôpital (accents)", ["nom=hôpital"], "structure_name_folded LIKE :n", {"n": "%hopital%"}),
        Combo(
            "ref=ANO_10000050 (prefix)",
            ["ref=ANO_10000050"],
            "number >= :lo AND number < :hi",
            {"lo": 100_000_500_000, "hi": 100_000_510_000},
        ),
        Combo(
            "du=01/06/2026 au=30/06/2026",
            ["du=01/06/2026", "au=30/06/2026"],
            "updated_at >= :s AND updated_at < :e",
            {"s": _utc("2026-05-31 22:00:00"), "e": _utc("2026-06-30 22:00:00")},
        ),
        Combo(
            "ressource=offre donnee=Horaires",
            ["ressource=offre", "donnee=Horaires"],
            "kind = :k AND data_item = :i",
            {"k": "Offre", "i": "Horaires"},
            count_where="kind = :k AND data_item = :i",
        ),
        Combo(
            "statut=bloquee (national)",
            ["statut=bloquee"],
            "status IN ('04', '11')",
            count_where="status IN ('04', '11')",
        ),
        Combo(
            "périmètre 76+93, statut=ouverte",
            ["statut=ouverte"],
            f"region IN ('76', '93') AND status IN {OPEN}",
            regions=frozenset({"76", "93"}),
            count_where=f"region IN ('76', '93') AND status IN {OPEN}",
        ),
        Combo("id=<one resource>", [f"id={resource}"], "resource_id = :id", {"id": resource}),
        Combo(
            "everything combined",
            [
                "region=76",
                "dep=34,31",
                "statut=ouverte",
                "ressource=offre",
                "donnee=Horaires",
                "nom=centre",
                "ref=ANO_1000",
                "du=01/01/2025",
                "au=31/10/2026",
            ],
            "region = :r AND departement IN ('31', '34') AND status IN " + OPEN + " AND kind = :k"
            " AND data_item = :i AND structure_name_folded LIKE :n AND number >= :lo AND number < :hi"
            " AND updated_at >= :s AND updated_at < :e",
            {
                "r": "76",
                "k": "Offre",
                "i": "Horaires",
                "n": "%centre%",
                "lo": 100_000_000_000,
                "hi": 100_100_000_000,
                "s": _utc("2024-12-31 23:00:00"),
                "e": _utc("2026-10-31 23:00:00"),
            },
        ),
    ]


class HandWritten:
    """The same query as a developer would write it by hand, through the bare driver."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        if self.sqlite:
            import sqlite3

            self.conn: Any = sqlite3.connect(parsed.database or "", check_same_thread=False)
        else:
            self.conn = psycopg.connect(
                parsed.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
            )

    def _sql(self, sql: str) -> str:
        return sql if self.sqlite else re.sub(r":(\w+)", r"%(\1)s", sql)

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.sqlite:
            return params
        return {
            k: v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            if isinstance(v, datetime)
            else v
            for k, v in params.items()
        }

    def run(self, combo: Combo, *, count_rows: bool = False) -> tuple[list[int], int]:
        """The page and its total; the total from the counters when ours reads them, unless `count_rows`."""
        params = self._params(combo.params)
        cursor = self.conn.cursor()
        cursor.execute(
            self._sql(
                f"SELECT * FROM anomalies WHERE {combo.where} ORDER BY updated_at DESC, number DESC LIMIT {PAGE_SIZE}"
            ),
            params,
        )
        rows = cursor.fetchall()
        if combo.count_where is not None and not count_rows:
            counts = {k: v for k, v in params.items() if f":{k}" in combo.count_where}
            cursor.execute(self._sql(f"SELECT sum(n) FROM anomaly_counts WHERE {combo.count_where}"), counts)
        else:
            cursor.execute(self._sql(f"SELECT count(*) FROM anomalies WHERE {combo.where}"), params)
        total = cursor.fetchone()[0] or 0
        cursor.close()
        return [r[0] for r in rows], total

    def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        cursor = self.conn.cursor()
        cursor.execute(self._sql(sql), params or {})
        row = cursor.fetchone()
        cursor.close()
        return row[0] if row else None

    def close(self) -> None:
        self.conn.close()


@contextmanager
def _counters_disabled() -> Iterator[None]:
    """Ours counts the anomaly rows, as if anomaly_counts did not exist (the count(*) comparison)."""
    original = anomalies_repository.count_conditions
    anomalies_repository.count_conditions = lambda *_args, **_kwargs: None
    try:
        yield
    finally:
        anomalies_repository.count_conditions = original


def _measure(
    ours: Callable[[], Any], theirs: Callable[[], tuple[list[int], int]], repeat: int
) -> tuple[bool, int, dict[str, float], dict[str, float]]:
    for _ in range(3):  # warm caches and statement caches on both sides
        page = ours()
        numbers, total = theirs()
    same = [a.reference_number for a in page.items] == numbers and page.total == total
    ours_s: list[float] = []
    hand_s: list[float] = []
    for _ in range(repeat):  # alternating, so a busy moment of the machine hits both
        ours_s.append(timed(ours)[0])
        hand_s.append(timed(theirs)[0])
    return same, page.total, summary_ms(ours_s), summary_ms(hand_s)


def _ratio(ours: float, hand: float) -> float | None:
    return round(ours / hand, 2) if hand else None


def run_listing(
    store: Store, url: str, *, repeat: int, say: Callable[[str], None], rounds: int = 3
) -> list[dict[str, Any]]:
    hand = HandWritten(url)
    resource = (
        hand.scalar("SELECT resource_id FROM anomalies WHERE number = :n", {"n": FIRST_REFERENCE_NUMBER})
        or "1110000056"
    )
    results = []
    for combo in combos(resource):
        flt = parse_filter_words(combo.words)
        perimeter = Perimeter.of_regions(combo.regions) if combo.regions else Perimeter.everywhere()
        member = Member(email=BENCH_EMAIL, group=BENCH_GROUP, perimeter=perimeter)
        from_counters = count_conditions(flt, perimeter=perimeter) is not None
        if from_counters != (combo.count_where is not None):
            raise ValueError(f"{combo.label}: the hand-written total must read what ours reads")

        def ours(flt: Any = flt, member: Member = member) -> Any:
            return list_anomalies(flt=flt, member=member, uow=store.reader(), page=1, size=PAGE_SIZE)

        def theirs(combo: Combo = combo) -> tuple[list[int], int]:
            return hand.run(combo)

        def theirs_counting(combo: Combo = combo) -> tuple[list[int], int]:
            return hand.run(combo, count_rows=True)

        per_round = []
        for _ in range(rounds):
            load = os.getloadavg()[0]
            same, total, o, h = _measure(ours, theirs, repeat)
            per_round.append({"load_1min": round(load, 2), "same": same, "ours": o, "hand": h})
        best = min(per_round, key=lambda r: r["ours"]["p95_ms"])
        o, h = best["ours"], best["hand"]
        ratios = [_ratio(r["ours"]["p95_ms"], r["hand"]["p95_ms"]) or 0.0 for r in per_round]
        row: dict[str, Any] = {
            "combo": combo.label,
            "filter": " ".join(combo.words)
            + (f" (périmètre {','.join(sorted(combo.regions))})" if combo.regions else ""),
            "total": total,
            "total_from": "counters" if from_counters else "rows",
            "same_result": all(r["same"] for r in per_round),
            "ours": o,
            "hand": h,
            "ratio_p95": _ratio(o["p95_ms"], h["p95_ms"]),
            "ratio_median": _ratio(o["median_ms"], h["median_ms"]),
            "rounds": per_round,
            "ours_p95_spread_ms": [
                min(r["ours"]["p95_ms"] for r in per_round),
                max(r["ours"]["p95_ms"] for r in per_round),
            ],
            "ratio_p95_spread": [min(ratios), max(ratios)],
            "load_1min": [r["load_1min"] for r in per_round],
        }
        say(
            f"  {combo.label:34} total={total:>9,} ({row['total_from']})  ours p50 {o['median_ms']:7.2f} "
            f"p95 {o['p95_ms']:7.2f} ms | hand p50 {h['median_ms']:7.2f} p95 {h['p95_ms']:7.2f} ms | ratio "
            f"{row['ratio_p95']} (rounds {row['ratio_p95_spread'][0]}–{row['ratio_p95_spread'][1]}), load "
            f"{row['load_1min']}" + ("" if row["same_result"] else "  RESULTS DIFFER")
        )
        if from_counters:
            with _counters_disabled():
                same, _total, co, ch = _measure(ours, theirs_counting, repeat)
            row["counting_rows"] = {
                "same_result": same,
                "ours": co,
                "hand": ch,
                "ratio_p95": _ratio(co["p95_ms"], ch["p95_ms"]),
            }
            row["same_result"] = row["same_result"] and same
            say(
                f"    both with count(*): ours p50 {co['median_ms']:7.2f} p95 {co['p95_ms']:7.2f} ms | hand p50 "
                f"{ch['median_ms']:7.2f} p95 {ch['p95_ms']:7.2f} ms | ratio {row['counting_rows']['ratio_p95']}"
            )
        results.append(row)
    hand.close()
    return results
