"""The one Slack Web API client configuration, used by the app, the scheduler's poster and deliveries, and
the worker processes: SLACK_API_URL for every call, and slack_sdk's retry handlers for HTTP 429 (waits
its Retry-After) and for dropped connections."""

from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler

from bot.settings import Settings

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2


def retry_handlers() -> list[RetryHandler]:
    return [
        ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]


def web_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.require_bot_token(), base_url=settings.slack_api_url, retry_handlers=retry_handlers()
    )
