"""A poster that records digests instead of posting them, for unit tests of the digest services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.digests import Digest, PostedCheck, PostOutcome, PostResult
from domain.subscriptions import Subscription


@dataclass
class RecordingPoster:
    """Records digests; answers `outcomes` in turn (then POSTED). An UNCERTAIN outcome stands for a post
    that reached the channel without an answer; `channel` holds what reached it, `find_posted` reads it
    (or fails with `lookup_error`)."""

    outcomes: list[PostResult] = field(default_factory=list)
    posted: list[Digest] = field(default_factory=list)
    told: list[tuple[str, str]] = field(default_factory=list)
    channel: list[tuple[int | None, datetime, str]] = field(default_factory=list)
    lookups: list[tuple[int | None, datetime]] = field(default_factory=list)
    lookup_error: str = ""

    def post_digest(self, digest: Digest, subscription: Subscription) -> PostResult:
        result = (
            self.outcomes.pop(0)
            if self.outcomes
            else PostResult(PostOutcome.POSTED, ts=f"{len(self.posted)}.0")
        )
        if result.outcome in (PostOutcome.POSTED, PostOutcome.UNCERTAIN):
            self.posted.append(digest)
            self.channel.append((digest.subscription_id, digest.period_end, f"{len(self.channel) + 1}.5"))
        return result

    def find_posted(self, subscription: Subscription, period_end: datetime) -> PostedCheck:
        self.lookups.append((subscription.id, period_end))
        if self.lookup_error:
            return PostedCheck(error=self.lookup_error)
        found = [ts for sub, end, ts in self.channel if sub == subscription.id and end == period_end]
        return PostedCheck(ts=found[0] if found else None)

    def tell_creator(self, subscription: Subscription, text: str) -> None:
        self.told.append((subscription.creator_user_id, text))
