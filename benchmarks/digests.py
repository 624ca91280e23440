"""Digests of 1,000 channel subscriptions over varied filters:

- built: the notifications feature's own `build_digest` (domain.services.digests) and its Block Kit
  rendering, no Slack (so no rate limit);
- the full run: the same subscriptions stored, then `run_due_digests` as the scheduler runs it (claim
  each digest in the database, build it, post it to a local fake Slack Web API through the real
  SlackDigestPoster, record the outcome); the benchmark's subscriptions and runs are removed afterwards."""

import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from benchmarks.generate import BENCH_EMAIL, DATASET_END
from benchmarks.stats import load_average, spread, summary_ms
from bot.settings import Settings
from domain.filters import parse_filter_words
from domain.geography import DEPARTEMENT_TO_REGION, REGIONS
from domain.habilitation import Perimeter
from storage import open_store

# What `ror-bot run` uses unless ROR_DIGEST_WORKERS says otherwise.
DEFAULT_WORKERS = Settings.model_fields["ror_digest_workers"].default

FILTER_SHAPES: tuple[Callable[[random.Random], list[str]], ...] = (
    lambda _rng: [],
    lambda rng: [f"region={rng.choice(sorted(REGIONS))}"],
    lambda rng: [f"dep={rng.choice(sorted(DEPARTEMENT_TO_REGION))}"],
    lambda rng: [f"region={rng.choice(sorted(REGIONS))}", "ressource=offre"],
    lambda rng: [f"dep={rng.choice(sorted(DEPARTEMENT_TO_REGION))}", "statut=ouverte"],
    lambda rng: ["donnee=Horaires", f"region={rng.choice(sorted(REGIONS))}"],
    lambda rng: [f"nom={rng.choice(['hôpital', 'ehpad', 'clinique', 'centre de santé', 'pharmacie'])}"],
)


def _subscriptions(count: int, seed: int, created_at: datetime) -> list[Any]:
    from domain.schedule import Schedule
    from domain.subscriptions import Subscription

    rng = random.Random(seed)
    return [
        Subscription(
            channel_id=f"C{i:06d}",
            creator_email=BENCH_EMAIL,
            creator_user_id="UBENCH",
            filter=parse_filter_words(rng.choice(FILTER_SHAPES)(rng)),
            schedule=Schedule(),
            created_at=created_at,
            report_blocked=True,
            report_updated=True,
            id=i + 1,
        )
        for i in range(count)
    ]


def run_full(
    url: str, *, subscriptions: int, seed: int, say: Callable[[str], None], workers: int = DEFAULT_WORKERS
) -> dict[str, Any]:
    """Claim + build + post to a local fake Slack + finish, for `subscriptions` stored subscriptions,
    `workers` at a time as the scheduler does."""
    from slack_sdk import WebClient
    from sqlalchemy import text

    from bot.notifications.slack_poster import SlackDigestPoster
    from devtools.fake_slack import FakeSlack
    from domain.clock import SystemClock
    from domain.services.digests import run_due_digests

    subs = _subscriptions(subscriptions, seed, DATASET_END - timedelta(days=2))
    fake = FakeSlack(channels={s.channel_id: f"bench-{s.channel_id}" for s in subs}, max_calls=50).start()
    store = open_store(url)
    ids: list[int | None] = []
    try:
        with store.uow() as uow:
            for subscription in subs:
                subscription.id = None
                uow.subscriptions.add(subscription)
            uow.commit()
        ids += [s.id for s in subs]
        poster = SlackDigestPoster(WebClient(token="xoxb-benchmark", base_url=fake.api_url), tz=store.tz)
        load = os.getloadavg()[0]
        began = time.perf_counter()
        reports = run_due_digests(
            at=DATASET_END,
            uow=store.uow(),
            poster=poster,
            clock=SystemClock(),
            workers=workers,
            new_uow=store.uow,
        )
        seconds = time.perf_counter() - began
        outcomes = Counter(str(r.status) for r in reports)
    finally:
        with store.engine.begin() as connection:
            stored = [i for i in ids if i is not None]
            if stored:
                first = min(stored)
                connection.execute(text("DELETE FROM digest_runs WHERE subscription_id >= :n"), {"n": first})
                connection.execute(text("DELETE FROM subscriptions WHERE id >= :n"), {"n": first})
        store.dispose()
        fake.stop()
    say(
        f"  full run of {subscriptions} subscriptions, {workers} at a time, in {seconds:.1f} s "
        f"(load {load:.1f}): {dict(outcomes)}"
    )
    return {
        "subscriptions": subscriptions,
        "workers": workers,
        "seconds": round(seconds, 2),
        "per_digest_ms": round(seconds / max(1, subscriptions) * 1000, 2),
        "outcomes": dict(outcomes),
        "load_1min": round(load, 2),
    }


def _build_all(
    store: Any, subs: list[Any], *, since: datetime, until: datetime, workers: int
) -> tuple[float, list[float], int]:
    """Build and render every digest, `workers` at a time as `run_due_digests` does (each on its own
    read-only unit of work): (seconds, per-digest durations, anomalies reported)."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.views.digest import digest_blocks
    from domain.schedule import Period
    from domain.services.digests import build_digest

    perimeter = Perimeter.everywhere()
    period = Period(start=since, end=until)

    def one(subscription: Any) -> tuple[float, int]:
        started = time.perf_counter()
        digest = build_digest(
            subscription=subscription,
            perimeter=perimeter,
            period=period,
            since=since,
            until=until,
            uow=store.reader(),
        )
        digest_blocks(digest, store.tz)
        return time.perf_counter() - started, digest.total

    began = time.perf_counter()
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, subs))
    else:
        results = [one(subscription) for subscription in subs]
    seconds = time.perf_counter() - began
    return seconds, [d for d, _ in results], sum(n for _, n in results)


def run_digests(
    url: str,
    *,
    subscriptions: int,
    seed: int,
    say: Callable[[str], None],
    workers: int = DEFAULT_WORKERS,
    repeat: int = 2,
) -> dict[str, Any]:
    """Build the digests of `subscriptions` subscriptions one at a time and `workers` at a time (what
    `ror-bot run` does, ROR_DIGEST_WORKERS), alternating, `repeat` rounds each; then the full run."""
    store = open_store(url)
    until = DATASET_END
    since = until - timedelta(days=1)
    subs = _subscriptions(subscriptions, seed, since)
    # Warm the connection pool and the statement caches as a running scheduler has them.
    _build_all(store, subs[:20], since=since, until=until, workers=1)
    runs: dict[int, list[dict[str, Any]]] = {1: [], workers: []}
    items = 0
    for _ in range(repeat):
        for count in (1, workers):
            load = load_average()
            seconds, durations, items = _build_all(store, subs, since=since, until=until, workers=count)
            runs[count].append(
                {"seconds": round(seconds, 2), "per_digest": summary_ms(durations), "load": load}
            )
            say(
                f"  {subscriptions} digests built {count} at a time in {seconds:.1f} s "
                f"(p50 {summary_ms(durations)['median_ms']} ms, p95 {summary_ms(durations)['p95_ms']} ms per digest, "
                f"load {load[0] if load else '?'})"
            )
    store.dispose()
    product = runs[workers]
    median = statistics.median(r["seconds"] for r in product)
    return {
        "subscriptions": subscriptions,
        "workers": workers,
        "seconds": median,
        "seconds_spread": spread([r["seconds"] for r in product]),
        "per_digest_ms": round(median / subscriptions * 1000, 2),
        "sequential_seconds": statistics.median(r["seconds"] for r in runs[1]),
        "sequential_spread": spread([r["seconds"] for r in runs[1]]),
        "runs": {str(k): v for k, v in runs.items()},
        "rendered": True,
        "anomalies_reported": items,
        "distinct_filters": len({tuple(s.filter.to_words()) for s in subs}),
        "full_run": run_full(url, subscriptions=subscriptions, seed=seed, say=say, workers=workers),
    }
