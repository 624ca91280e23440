"""The Bolt app: the router's listeners, one error handler, the acting member resolved per request."""

import logging
from concurrent.futures import ThreadPoolExecutor
from urllib.error import URLError

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import errors, middleware
from bot.context import AppContext
from bot.router import Router
from bot.routes import build_router
from bot.settings import ConfigurationError
from bot.slack_client import web_client

logger = logging.getLogger(__name__)

# Bolt runs each listener, ack included, in this pool: with Bolt's default of 5 threads an ack waits for
# earlier requests' post-ack work (listings, exports) to finish, so the pool is sized for bursts.
LISTENER_THREADS = 64
# Slack gives up on an answer after 3 seconds: a writer of this process waits at most this long for
# SQLite's lock (another process may hold it), then the user reads that the base is busy (DatabaseBusy).
REQUEST_LOCK_WAIT_MS = 1_500


def build_app(
    context: AppContext,
    *,
    router: Router | None = None,
    client: WebClient | None = None,
    verify_token: bool = True,
    in_worker: bool = False,
) -> App:
    """The app for `context`. HTTP mode checks request signatures with SLACK_SIGNING_SECRET; Socket Mode
    (SLACK_APP_TOKEN set) does not need it.

    `in_worker`: the app of a worker process (bot.worker), acting on requests the serving process has
    already verified and acknowledged: no signature to check, listeners run in the calling thread.

    Listeners run in Bolt's thread pool and the HTTP answer leaves as soon as they call ack() (Bolt's
    default, `process_before_response=False`): slow work (Web API calls, exports) happens after the ack,
    inside Slack's 3 seconds for the ack itself, with any error reaching the one error handler."""
    settings = context.settings
    context.store.bound_lock_wait(REQUEST_LOCK_WAIT_MS)
    verified_already = settings.socket_mode or in_worker
    signing_secret = "" if verified_already else settings.require_signing_secret()
    router = router or build_router()
    app = App(
        client=client or web_client(settings),
        signing_secret=signing_secret,
        request_verification_enabled=not verified_already,
        token_verification_enabled=verify_token,
        process_before_response=in_worker,
        listener_executor=None
        if in_worker
        else ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="ror-listener"),
        logger=logging.getLogger("bot.slack"),
    )
    errors.register(app)
    middleware.register(app, context, router)
    router.install(app, wrap=middleware.acting)
    return app


def connect_app(context: AppContext) -> App:
    """The app, once Slack has accepted its token (auth.test); ConfigurationError saying why not."""
    settings = context.settings
    try:
        return build_app(context)
    except (BoltError, SlackApiError) as error:
        refused = error if isinstance(error, SlackApiError) else error.__context__
        code = (
            refused.response.get("error")
            if isinstance(refused, SlackApiError) and refused.response is not None
            else str(error)
        )
        raise ConfigurationError(
            f"Slack refuse le jeton SLACK_BOT_TOKEN ({code}) : copiez le « Bot User OAuth Token » (xoxb-…) "
            "de la page « OAuth & Permissions » de l'app."
        ) from error
    except (URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise ConfigurationError(
            f"Slack n'est pas joignable à SLACK_API_URL={settings.slack_api_url} : {reason}."
        ) from error
