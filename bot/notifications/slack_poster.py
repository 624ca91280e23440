"""Posting to Slack for the scheduler: digests to channels, DMs to people. HTTP 429 is retried after its
Retry-After (the sleep is injectable, so tests do not wait); a channel that is archived, unknown or
that the bot left is reported as gone, never retried."""

import logging
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.notifications.digest_view import digest_blocks, digest_text
from domain.digests import Digest, PostOutcome, PostResult
from domain.subscriptions import Subscription

logger = logging.getLogger(__name__)

CHANNEL_GONE = frozenset({"channel_not_found", "is_archived", "not_in_channel", "channel_is_archived"})
RATE_LIMIT_RETRIES = 3
DEFAULT_RETRY_AFTER = 1.0


def error_code(error: SlackApiError) -> str:
    response = error.response
    return str(response.get("error", "erreur inconnue")) if response is not None else "erreur inconnue"


def retry_after(error: SlackApiError) -> float | None:
    """Seconds to wait when Slack answered HTTP 429, else None."""
    response = error.response
    if response is None or response.status_code != 429:
        return None
    for key, value in (response.headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value if isinstance(value, str) else value[0]))
            except (TypeError, ValueError, IndexError):
                break
    return DEFAULT_RETRY_AFTER


class RateLimitedCaller:
    """Calls a Web API method, sleeping Retry-After seconds on HTTP 429, up to `retries` times."""

    def __init__(
        self, *, sleep: Callable[[float], None] = time.sleep, retries: int = RATE_LIMIT_RETRIES
    ) -> None:
        self.sleep = sleep
        self.retries = retries

    def __call__(self, method: Callable[..., SlackResponse], **kwargs: Any) -> SlackResponse:
        attempt = 0
        while True:
            try:
                return method(**kwargs)
            except SlackApiError as error:
                wait = retry_after(error)
                if wait is None or attempt >= self.retries:
                    raise
                attempt += 1
                logger.info("Slack limite le débit : nouvel essai dans %s s", wait)
                self.sleep(wait)


class SlackDigestPoster:
    """The DigestPoster port on the Slack Web API."""

    def __init__(
        self, client: WebClient, *, tz: ZoneInfo, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.client = client
        self.tz = tz
        self.call = RateLimitedCaller(sleep=sleep)

    def post_digest(self, digest: Digest, subscription: Subscription) -> PostResult:
        try:
            answer = self.call(
                self.client.chat_postMessage,
                channel=subscription.channel_id,
                text=digest_text(digest),
                blocks=digest_blocks(digest, self.tz),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            code = error_code(error)
            if code in CHANNEL_GONE:
                return PostResult(PostOutcome.CHANNEL_GONE, error=code)
            logger.warning("Récapitulatif non publié dans %s : %s", subscription.channel_id, code)
            return PostResult(PostOutcome.FAILED, error=code)
        return PostResult(PostOutcome.POSTED, ts=str(answer.get("ts") or ""))

    def tell_creator(self, subscription: Subscription, text: str) -> None:
        self.direct_message(subscription.creator_user_id, text=text)

    def direct_message(self, user_id: str, *, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        self.call(
            self.client.chat_postMessage,
            channel=user_id,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
