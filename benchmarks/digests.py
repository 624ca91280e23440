"""Building the digests of 1,000 channel subscriptions (no Slack, so no rate limit): the notifications
feature's own `build_digest` (domain.services.digests) and its Block Kit rendering, over varied filters."""

import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from benchmarks.generate import BENCH_EMAIL, DATASET_END
from benchmarks.stats import summary_ms
from domain.filters import parse_filter_words
from domain.geography import DEPARTEMENT_TO_REGION, REGIONS
from domain.habilitation import Perimeter
from storage import open_store

FILTER_SHAPES: tuple[Callable[[random.Random], list[str]], ...] = (
    lambda _rng: [],
    lambda rng: [f"region={rng.choice(sorted(REGIONS))}"],
    lambda rng: [f"dep={rng.choice(sorted(DEPARTEMENT_TO_REGION))}"],
    lambda rng: [f"region={rng.choice(sorted(REGIONS))}", "ressource=offre"],
    lambda rng: [f"dep={rng.choice(sorted(DEPARTEMENT_TO_REGION))}", "statut=ouverte"],
    lambda rng: ["donnee=Horaires", f"region={rng.choice(sorted(REGIONS))}"],
    lambda rng: [f"nom={rng.choice(['hôpital', 'ehpad', 'clinique', 'centre de santé', 'pharmacie'])}"],
)


def run_digests(url: str, *, subscriptions: int, seed: int, say: Callable[[str], None]) -> dict[str, Any]:
    try:
        from domain.schedule import Period, Schedule
        from domain.services.digests import build_digest
        from domain.subscriptions import Subscription
    except ImportError as error:  # the notifications feature is not there yet
        return {"skipped": f"digests not available ({error})"}
    try:
        from bot.views.digest import digest_blocks
    except ImportError:
        digest_blocks = None
    rng = random.Random(seed)
    store = open_store(url)
    until = DATASET_END
    since = until - timedelta(days=1)
    period = Period(start=since, end=until)
    subs = [
        Subscription(
            channel_id=f"C{i:06d}",
            creator_email=BENCH_EMAIL,
            creator_user_id="UBENCH",
            filter=parse_filter_words(rng.choice(FILTER_SHAPES)(rng)),
            schedule=Schedule(),
            created_at=since,
            report_blocked=True,
            report_updated=True,
            id=i + 1,
        )
        for i in range(subscriptions)
    ]
    perimeter = Perimeter.everywhere()
    durations: list[float] = []
    began = time.perf_counter()
    items = 0
    for subscription in subs:
        started = time.perf_counter()
        digest = build_digest(
            subscription=subscription,
            perimeter=perimeter,
            period=period,
            since=since,
            until=until,
            uow=store.reader(),
        )
        if digest_blocks is not None:
            digest_blocks(digest, store.tz)
        durations.append(time.perf_counter() - started)
        items += digest.total
    seconds = time.perf_counter() - began
    store.dispose()
    stats = summary_ms(durations)
    say(
        f"  {subscriptions} digests in {seconds:.1f} s (p50 {stats['median_ms']} ms, p95 {stats['p95_ms']} ms per digest)"
    )
    return {
        "subscriptions": subscriptions,
        "seconds": round(seconds, 2),
        "per_digest_ms": round(seconds / subscriptions * 1000, 2),
        "per_digest": stats,
        "rendered": digest_blocks is not None,
        "anomalies_reported": items,
    }
