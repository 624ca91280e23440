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
    return _client(
        token=settings.require_bot_token(),
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout_seconds,
        handlers=retry_handlers(),
    )


def without_connection_retries(client: WebClient) -> WebClient:
    """The same client, minus the retry of dropped connections: for posts that must go out at most once.
    A connection dropped after the request left may have posted already; retrying blindly would post
    twice. HTTP 429 is still waited out (Slack posted nothing)."""
    handlers = [h for h in client.retry_handlers if not isinstance(h, ConnectionErrorRetryHandler)]
    return _client(token=client.token, base_url=client.base_url, timeout=client.timeout, handlers=handlers)


def _client(*, token: str | None, base_url: str, timeout: int, handlers: list[RetryHandler]) -> WebClient:
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers)
