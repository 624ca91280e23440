"""The one Web API client configuration: slack_sdk's rate-limit and connection-error retry handlers."""

from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.settings import Settings
from bot.slack_client import CONNECTION_RETRIES, RATE_LIMIT_RETRIES, web_client


def test_the_client_waits_out_rate_limits_and_retries_dropped_connections_at_slack_api_url():
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-x",  # type: ignore[arg-type]
        slack_api_url="http://127.0.0.1:9/api",
    )
    client = web_client(settings)
    assert client.base_url == "http://127.0.0.1:9/api/"
    handlers = {type(h): h.max_retry_count for h in client.retry_handlers}
    assert handlers == {
        RateLimitErrorRetryHandler: RATE_LIMIT_RETRIES,
        ConnectionErrorRetryHandler: CONNECTION_RETRIES,
    }
