"""A request acts once. Slack signs each request, and a signature stays valid for five minutes: a copy of
a signed request sent again within that window (a replay) must change nothing. Whatever acts on a
request first asks `first_delivery` with the request's key (Slack's trigger_id)."""

import hashlib
from datetime import timedelta

from domain.ports import Clock, UnitOfWork

# A signature is accepted while its timestamp is within five minutes of the clock, either way: a copy can
# arrive until ten minutes after the first delivery was seen. Keys are remembered that long.
REPLAY_WINDOW = timedelta(minutes=10)


def replay_key(key: str) -> str:
    """The stored form of a request key: fixed length, whatever Slack sends."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def first_delivery(*, key: str, uow: UnitOfWork, clock: Clock) -> bool:
    """True the first time `key` is seen within REPLAY_WINDOW; False for a replay, which must do nothing."""
    now = clock.now()
    with uow:
        first = uow.replays.remember(replay_key(key), now=now, until=now + REPLAY_WINDOW)
        uow.commit()
    return first
