"""Slack request signatures (v0), checked before anything else sees the request.

Bolt's own check calls `int()` on the timestamp header and lets the ValueError of a non-numeric one reach
the app's error handler as if the request were genuine. This check never raises: anything that is not a
well-formed, fresh, matching signature is simply not verified."""

import hashlib
import hmac
import time
from collections.abc import Callable

# Slack signs with `v0=` + 64 hex digits; its timestamps are Unix seconds.
VERSION = "v0"
MAX_AGE_SECONDS = 5 * 60
_MAX_TIMESTAMP_DIGITS = 12


class SlackSignature:
    def __init__(self, signing_secret: str, *, now: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret.encode("utf-8")
        self._now = now

    def verifies(self, body: bytes, *, timestamp: str | None, signature: str | None) -> bool:
        """True only for a signature of `body` made with our secret less than five minutes ago."""
        if not self._secret or timestamp is None or signature is None:
            return False
        stamp = timestamp
        # Only plain ASCII digits: `int()` would also accept "+1", " 1", "1_0" or other scripts' digits.
        if not stamp or len(stamp) > _MAX_TIMESTAMP_DIGITS or not (stamp.isascii() and stamp.isdigit()):
            return False
        if abs(self._now() - int(stamp)) > MAX_AGE_SECONDS:
            return False
        if not signature.isascii():
            return False
        base = f"{VERSION}:{stamp}:".encode() + body
        expected = f"{VERSION}=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii"))
