"""The Bolt app: every listener registered, one error handler, the acting member resolved per request."""

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot import errors, middleware
from bot.context import AppContext
from bot.listeners import commands, declare, detail, home, listing, recipients, search, subscriptions

logger = logging.getLogger(__name__)

# Bolt runs each listener, ack included, in this pool: with Bolt's default of 5 threads an ack waits for
# earlier requests' post-ack work (listings, exports) to finish, so the pool is sized for bursts.
LISTENER_THREADS = 64
# Slack gives up on an answer after 3 seconds: a writer of this process waits at most this long for
# SQLite's lock (another process may hold it), then the user reads that the base is busy (DatabaseBusy).
REQUEST_LOCK_WAIT_MS = 1_500


def web_client(context: AppContext) -> WebClient:
    """The Web API client of the app: SLACK_API_URL applies to every call; 429 answers are retried
    after their Retry-After."""
    settings = context.settings
    client = WebClient(token=settings.require_bot_token(), base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_app(context: AppContext, *, client: WebClient | None = None, verify_token: bool = True) -> App:
    """The app for `context`. HTTP mode checks request signatures with SLACK_SIGNING_SECRET; Socket Mode
    (SLACK_APP_TOKEN set) does not need it.

    Listeners run in Bolt's thread pool and the HTTP answer leaves as soon as they call ack() (Bolt's
    default, `process_before_response=False`): slow work (Web API calls, exports) happens after the ack,
    inside Slack's 3 seconds for the ack itself, with any error reaching the one error handler."""
    settings = context.settings
    context.store.bound_lock_wait(REQUEST_LOCK_WAIT_MS)
    socket_mode = settings.socket_mode
    signing_secret = "" if socket_mode else settings.require_signing_secret()
    app = App(
        client=client or web_client(context),
        signing_secret=signing_secret,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=verify_token,
        process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="ror-listener"),
        logger=logging.getLogger("bot.slack"),
    )
    errors.register(app)
    middleware.register(app, context)
    for module in (commands, search, declare, listing, detail, home, subscriptions, recipients):
        module.register(app)
    return app
