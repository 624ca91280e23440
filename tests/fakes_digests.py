"""A poster that records digests instead of posting them, for unit tests of the digest services."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.digests import Digest, PostOutcome, PostResult
from domain.subscriptions import Subscription


@dataclass
class RecordingPoster:
    """Records digests; answers `outcomes` in turn (then POSTED)."""

    outcomes: list[PostResult] = field(default_factory=list)
    posted: list[Digest] = field(default_factory=list)
    told: list[tuple[str, str]] = field(default_factory=list)

    def post_digest(self, digest: Digest, subscription: Subscription) -> PostResult:
        result = (
            self.outcomes.pop(0)
            if self.outcomes
            else PostResult(PostOutcome.POSTED, ts=f"{len(self.posted)}.0")
        )
        if result.outcome is PostOutcome.POSTED:
            self.posted.append(digest)
        return result

    def tell_creator(self, subscription: Subscription, text: str) -> None:
        self.told.append((subscription.creator_user_id, text))
