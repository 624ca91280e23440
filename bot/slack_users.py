"""Who a Slack user is: users.info answers (e-mail, display name), kept a few minutes."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.views.home import display_name

USER_CACHE_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class SlackUser:
    id: str
    email: str | None
    name: str


class UserDirectory:
    """users.info answers, kept `ttl` seconds (an e-mail rarely changes; membership is re-checked
    on every request anyway)."""

    def __init__(
        self, ttl: float = USER_CACHE_SECONDS, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, SlackUser]] = {}
        self._lock = threading.Lock()

    def lookup(self, client: WebClient, user_id: str) -> SlackUser:
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        answer = client.users_info(user=user_id)
        user = answer.get("user") or {}
        profile = dict(user.get("profile") or {})
        profile.setdefault("real_name", user.get("real_name") or "")
        found = SlackUser(id=user_id, email=profile.get("email") or None, name=display_name(profile))
        with self._lock:
            self._cache[user_id] = (now + self.ttl, found)
        return found
