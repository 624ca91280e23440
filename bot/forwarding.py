"""The serving process's shortest path (`ror-bot run` with worker processes): a verified request that
needs nothing of this process is acknowledged here, before Bolt, and handed whole to a worker.

Bolt's dispatch costs the serving process a middleware chain, a listener thread and a 10 ms polling loop
per request, all under the interpreter lock the other acks wait for. For what a worker acts on anyway
(bot.background: commands that open no modal, clicks that open no modal, events), none of it is needed:
the ack is an empty 200, and the worker's own Bolt app then does exactly what the serving process's
would have (replay check, users.info, member, listener, error handler).

Everything else goes through Bolt here as before: modal submissions (their ack carries the answer), what
opens a modal (its trigger_id), and anything not recognised below (url_verification, ssl_check, a body
Bolt would reject…)."""

import json
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

from bot.background import BackgroundWork, RequestJob
from bot.router import Route, Router

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def parsed(body: bytes, content_type: str) -> dict[str, Any] | None:
    """The request as Bolt would read it (form fields, or the `payload` field's JSON, or a JSON body);
    None when it is anything else."""
    try:
        if content_type.startswith(JSON):
            found = json.loads(body)
            return found if isinstance(found, dict) else None
        if content_type.startswith(FORM):
            fields = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8")).items()}
            if "payload" in fields:
                found = json.loads(fields["payload"])
                return found if isinstance(found, dict) else None
            return fields
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def _matches(matcher: str | re.Pattern[str], value: object) -> bool:
    if not isinstance(value, str):
        return False
    return bool(matcher.search(value)) if isinstance(matcher, re.Pattern) else matcher == value


def route_of(body: dict[str, Any], router: Router) -> Route | None:
    """The route Bolt would run for `body`, for the kinds a worker may act on; None otherwise."""
    kind = body.get("type")
    if "command" in body and "ssl_check" not in body:
        wanted, value = "command", body.get("command")
    elif kind == "block_actions":
        actions = body.get("actions") or []
        wanted, value = "action", actions[0].get("action_id") if len(actions) == 1 else None
    elif kind == "event_callback":
        event = body.get("event") or {}
        wanted, value = "event", event.get("type")
    else:
        return None  # modal submissions and closings, shortcuts, url_verification…: Bolt, here
    found = [route for route in router.routes if route.kind == wanted and _matches(route.matcher, value)]
    return found[0] if len(found) == 1 else None


class Forwarding:
    """`here(body, headers)` dispatches a request to the serving process's Bolt app: what happens to a
    forwarded request whose worker dies before acting on it (nothing is lost)."""

    def __init__(self, router: Router, *, here: Callable[[bytes, dict[str, str]], None]) -> None:
        self.router = router
        self.here = here

    def forwarded(self, body: bytes, headers: dict[str, str], work: BackgroundWork | None) -> bool:
        """True when `work` has taken the request: the caller acknowledges it with an empty 200."""
        if work is None:
            return False
        content_type = headers.get("content-type", "")
        request = parsed(body, content_type)
        route = route_of(request, self.router) if request is not None else None
        if request is None or route is None or self.router.in_server(route, request):
            return False
        try:
            job = RequestJob(body=body.decode("utf-8"), content_type=content_type)
        except UnicodeDecodeError:
            return False
        return work.submit(job, fallback=lambda: self.here(body, headers))
