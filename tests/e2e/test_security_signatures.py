"""No action without a valid signature: every malformed, missing, stale or forged signature on every kind
of payload gets 401 before any listener runs, and the app calls nothing (no Web API method, no response URL,
no DM to a user named in the forged body)."""

import json
import random
import time
import urllib.parse
from typing import Any

import pytest

from bot.signing import SlackSignature
from devtools.signing import signature_headers
from tests.e2e.conftest import ALICE, SECRET, SlackHttp


def _command(slack: SlackHttp) -> tuple[bytes, str]:
    # A state-changing command whose errors used to be sent to the forged response URL.
    return slack.command_body("annuler ANO_999999999999", user=ALICE)[0], "application/x-www-form-urlencoded"


def _interaction(payload: dict[str, Any]) -> tuple[bytes, str]:
    return urllib.parse.urlencode(
        {"payload": json.dumps(payload)}
    ).encode(), "application/x-www-form-urlencoded"


def _block_actions(slack: SlackHttp) -> tuple[bytes, str]:
    return _interaction(
        {
            "type": "block_actions",
            "user": {"id": ALICE, "team_id": "T0001"},
            "team": {"id": "T0001"},
            "api_app_id": "A0001",
            "trigger_id": "trigger-forged",
            "response_url": slack.fake.response_url(),
            "container": {"type": "message", "channel_id": "C0GENERAL", "is_ephemeral": True},
            "channel": {"id": "C0GENERAL"},
            "actions": [{"type": "button", "action_id": "detail-cancel", "block_id": "b", "value": "x"}],
        }
    )


def _view_submission(slack: SlackHttp) -> tuple[bytes, str]:
    return _interaction(
        {
            "type": "view_submission",
            "user": {"id": ALICE, "team_id": "T0001"},
            "team": {"id": "T0001"},
            "api_app_id": "A0001",
            "trigger_id": "trigger-forged",
            "view": {"id": "V1", "callback_id": "declare-form-modal", "private_metadata": "{", "state": {}},
        }
    )


def _event_callback(slack: SlackHttp) -> tuple[bytes, str]:
    body = {
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "EvForged",
        "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": ALICE, "tab": "home", "channel": "D0001"},
    }
    return json.dumps(body).encode(), "application/json"


PAYLOADS = {
    "command": _command,
    "block_actions": _block_actions,
    "view_submission": _view_submission,
    "event_callback": _event_callback,
}


def _good(body: bytes) -> dict[str, str]:
    return signature_headers(SECRET, body)


def _bad_headers(body: bytes) -> dict[str, dict[str, str]]:
    good = _good(body)
    now = int(time.time())
    stale = signature_headers(SECRET, body, timestamp=now - 6 * 60)
    future = signature_headers(SECRET, body, timestamp=now + 6 * 60)
    sig = good["X-Slack-Signature"]
    ts = good["X-Slack-Request-Timestamp"]
    return {
        "no headers": {},
        "no timestamp": {"X-Slack-Signature": sig},
        "no signature": {"X-Slack-Request-Timestamp": ts},
        "non-numeric timestamp": {"X-Slack-Request-Timestamp": "x", "X-Slack-Signature": sig},
        "empty timestamp": {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": sig},
        "signed timestamp": {"X-Slack-Request-Timestamp": "+" + ts, "X-Slack-Signature": sig},
        "negative timestamp": {"X-Slack-Request-Timestamp": "-1", "X-Slack-Signature": sig},
        "float timestamp": {"X-Slack-Request-Timestamp": ts + ".0", "X-Slack-Signature": sig},
        "huge timestamp": {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": sig},
        "stale": stale,
        "from the future": future,
        "empty signature": {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": ""},
        "other version": {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v1" + sig[2:]},
        "truncated": {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig[:-1]},
        "uppercase hex": {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig.upper()},
        "other secret": signature_headers("not-the-secret", body),
        "garbage": {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=%%%"},
    }


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_every_unverifiable_signature_gets_401_and_the_app_calls_nothing(slack: SlackHttp, kind: str) -> None:
    body, content_type = PAYLOADS[kind](slack)
    for case, headers in _bad_headers(body).items():
        answer = slack.post(body, content_type, headers=headers)
        assert answer.status == 401, f"{kind} / {case}: {answer.status} {answer.body}"
    assert slack.settle() == []


def test_fuzzed_signature_headers_are_all_refused(slack: SlackHttp) -> None:
    body, content_type = _command(slack)
    good = _good(body)
    rng = random.Random(20261203)
    alphabet = "0123456789abcdefv=x+- .\u0661\u00e9"
    for _ in range(150):
        ts = good["X-Slack-Request-Timestamp"]
        sig = good["X-Slack-Signature"]
        which = rng.randrange(3)
        noise = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 20)))
        if which == 0:
            ts = noise
        elif which == 1:
            sig = noise
        else:
            position = rng.randrange(len(sig))
            sig = sig[:position] + noise + sig[position + 1 :]
        if (ts, sig) == (good["X-Slack-Request-Timestamp"], good["X-Slack-Signature"]):
            continue
        headers = {
            "X-Slack-Request-Timestamp": ts.encode("latin-1", "replace").decode("latin-1"),
            "X-Slack-Signature": sig.encode("latin-1", "replace").decode("latin-1"),
        }
        answer = slack.post(body, content_type, headers=headers)
        assert answer.status in (400, 401), (headers, answer.status)
    assert slack.settle() == []


def test_a_body_over_the_size_limit_is_refused_before_anything_runs(slack: SlackHttp) -> None:
    body = b"text=" + b"a" * (1024 * 1024 + 1)
    answer = slack.post(body, "application/x-www-form-urlencoded", headers=_good(body))
    assert answer.status == 413
    assert slack.settle() == []


def test_a_correct_signature_still_reaches_the_app(slack: SlackHttp) -> None:
    answer = slack.command("aide")
    assert answer.status == 200
    slack.fake.next("response_url")


@pytest.mark.parametrize(
    "timestamp",
    ["x", "", " 1700000000", "1700000000 ", "+1700000000", "1_700_000_000", "\u0661\u0667", "0x10", "-0"],
)
def test_the_verifier_refuses_malformed_timestamps_without_raising(timestamp: str) -> None:
    verifier = SlackSignature(SECRET, now=lambda: 1_700_000_000)
    body = b"a=1"
    digest = signature_headers(SECRET, body, timestamp=1_700_000_000)["X-Slack-Signature"]
    assert verifier.verifies(body, timestamp=timestamp, signature=digest) is False


def test_the_verifier_accepts_what_slack_signs() -> None:
    verifier = SlackSignature(SECRET, now=lambda: 1_700_000_100)
    body = b"a=1"
    headers = signature_headers(SECRET, body, timestamp=1_700_000_000)
    assert verifier.verifies(
        body, timestamp=headers["X-Slack-Request-Timestamp"], signature=headers["X-Slack-Signature"]
    )
