"""Posting digests to Slack for the scheduler. Rate limits (HTTP 429, Retry-After) are waited out by the
client's retry handlers (bot.slack_client); a channel that is archived, unknown or that the bot left is
reported as gone, never retried."""

import logging
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.reply import direct_message
from bot.views.digest import digest_blocks, digest_text
from domain.digests import Digest, PostOutcome, PostResult
from domain.subscriptions import Subscription

logger = logging.getLogger(__name__)

CHANNEL_GONE = frozenset({"channel_not_found", "is_archived", "not_in_channel", "channel_is_archived"})


def error_code(error: SlackApiError) -> str:
    response = error.response
    return str(response.get("error", "erreur inconnue")) if response is not None else "erreur inconnue"


class SlackDigestPoster:
    """The DigestPoster port on the Slack Web API."""

    def __init__(self, client: WebClient, *, tz: ZoneInfo) -> None:
        self.client = client
        self.tz = tz

    def post_digest(self, digest: Digest, subscription: Subscription) -> PostResult:
        try:
            answer = self.client.chat_postMessage(
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
        direct_message(self.client, subscription.creator_user_id, text=text)
