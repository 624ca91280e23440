"""Posting digests to Slack for the scheduler, at most once per (subscription, period).

Rate limits (HTTP 429, Retry-After) are waited out by the client's retry handlers (bot.slack_client); a
channel that is archived, unknown or that the bot left is reported as gone, never retried. A post whose
answer never came (timeout, connection dropped) is UNCERTAIN: it may be in the channel. Each digest
message carries message metadata naming its subscription and period, so before posting again the run
looks for it with conversations.history (scopes channels:history and groups:history)."""

import logging
from datetime import datetime, timedelta
from http.client import HTTPException
from typing import Any
from urllib.error import URLError
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.reply import direct_message
from bot.slack_client import without_connection_retries
from bot.views.digest import digest_blocks, digest_text
from domain.digests import Digest, PostedCheck, PostOutcome, PostResult
from domain.subscriptions import Subscription

logger = logging.getLogger(__name__)

CHANNEL_GONE = frozenset({"channel_not_found", "is_archived", "not_in_channel", "channel_is_archived"})
# Message metadata of a digest: {"event_type": DIGEST_EVENT, "event_payload": {subscription, period_end}}.
DIGEST_EVENT = "ror_anomalies_digest"
# conversations.history is read from a little before the period's end (the post comes after it) …
LOOKBACK = timedelta(minutes=5)
# … one page of messages after another, up to this many messages.
HISTORY_PAGE = 200
HISTORY_PAGES_MAX = 10
# What a post that left without an answer raises: the message may or may not be in the channel.
UNANSWERED = (TimeoutError, URLError, HTTPException, ConnectionError)


def error_code(error: SlackApiError) -> str:
    response = error.response
    return str(response.get("error", "erreur inconnue")) if response is not None else "erreur inconnue"


def digest_metadata(subscription_id: int | None, period_end: datetime) -> dict[str, Any]:
    return {
        "event_type": DIGEST_EVENT,
        "event_payload": {"subscription_id": subscription_id, "period_end": period_end.isoformat()},
    }


def _is(metadata: object, wanted: dict[str, Any]) -> bool:
    if not isinstance(metadata, dict) or metadata.get("event_type") != wanted["event_type"]:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and all(payload.get(k) == v for k, v in wanted["event_payload"].items())


class SlackDigestPoster:
    """The DigestPoster port on the Slack Web API."""

    def __init__(self, client: WebClient, *, tz: ZoneInfo) -> None:
        self.client = client
        self.post_client = without_connection_retries(client)
        self.tz = tz

    def post_digest(self, digest: Digest, subscription: Subscription) -> PostResult:
        try:
            answer = self.post_client.chat_postMessage(
                channel=subscription.channel_id,
                text=digest_text(digest),
                blocks=digest_blocks(digest, self.tz),
                metadata=digest_metadata(digest.subscription_id, digest.period_end),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            code = error_code(error)
            if code in CHANNEL_GONE:
                return PostResult(PostOutcome.CHANNEL_GONE, error=code)
            logger.warning("Récapitulatif non publié dans %s : %s", subscription.channel_id, code)
            return PostResult(PostOutcome.FAILED, error=code)
        except UNANSWERED as error:
            logger.warning(
                "Récapitulatif envoyé dans %s sans réponse de Slack : %r", subscription.channel_id, error
            )
            return PostResult(
                PostOutcome.UNCERTAIN, error=f"pas de réponse de Slack ({type(error).__name__})"
            )
        return PostResult(PostOutcome.POSTED, ts=str(answer.get("ts") or ""))

    def find_posted(self, subscription: Subscription, period_end: datetime) -> PostedCheck:
        wanted = digest_metadata(subscription.id, period_end)
        cursor: str | None = None
        try:
            for _ in range(HISTORY_PAGES_MAX):
                answer = self.client.conversations_history(
                    channel=subscription.channel_id,
                    oldest=f"{(period_end - LOOKBACK).timestamp():.6f}",
                    include_all_metadata=True,
                    limit=HISTORY_PAGE,
                    cursor=cursor,
                )
                for message in answer.get("messages") or []:
                    if _is(message.get("metadata"), wanted):
                        return PostedCheck(ts=str(message.get("ts") or ""))
                cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
                if not answer.get("has_more") or not cursor:
                    return PostedCheck()
        except SlackApiError as error:
            return PostedCheck(error=error_code(error))
        except UNANSWERED as error:
            return PostedCheck(error=f"pas de réponse de Slack ({type(error).__name__})")
        return PostedCheck(error=f"plus de {HISTORY_PAGE * HISTORY_PAGES_MAX} messages à parcourir")

    def tell_creator(self, subscription: Subscription, text: str) -> None:
        direct_message(self.client, subscription.creator_user_id, text=text)
