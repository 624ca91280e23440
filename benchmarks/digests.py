"""Digests of 1,000 channel subscriptions over varied filters:

- built: the notifications feature's own `build_digest` (domain.services.digests) and its Block Kit
  rendering, no Slack (so no rate limit);
- the full run: the same subscriptions stored, then `run_due_digests` as the scheduler runs it (claim
  each digest in the database, build it, post it to a local fake Slack Web API through the real
  SlackDigestPoster, record the outcome); the benchmark's subscriptions and runs are removed afterwards."""

import os
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
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


def run_full(url: str, *, subscriptions: int, seed: int, say: Callable[[str], None]) -> dict[str, Any]:
    """Claim + build + post to a local fake Slack + finish, for `subscriptions` stored subscriptions."""
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
        reports = run_due_digests(at=DATASET_END, uow=store.uow(), poster=poster, clock=SystemClock())
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
    say(f"  full run of {subscriptions} subscriptions in {seconds:.1f} s (load {load:.1f}): {dict(outcomes)}")
    return {
        "subscriptions": subscriptions,
        "seconds": round(seconds, 2),
        "per_digest_ms": round(seconds / max(1, subscriptions) * 1000, 2),
        "outcomes": dict(outcomes),
        "load_1min": round(load, 2),
    }


def run_digests(url: str, *, subscriptions: int, seed: int, say: Callable[[str], None]) -> dict[str, Any]:
    try:
        from domain.schedule import Period
        from domain.services.digests import build_digest
    except ImportError as error:  # the notifications feature is not there yet
        return {"skipped": f"digests not available ({error})"}
    try:
        from bot.views.digest import digest_blocks
    except ImportError:
        digest_blocks = None
    store = open_store(url)
    until = DATASET_END
    since = until - timedelta(days=1)
    period = Period(start=since, end=until)
    subs = _subscriptions(subscriptions, seed, since)
    load = os.getloadavg()[0]
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
        "load_1min": round(load, 2),
        "full_run": run_full(url, subscriptions=subscriptions, seed=seed, say=say),
    }
