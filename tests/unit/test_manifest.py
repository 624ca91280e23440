"""manifest.yml is a valid Slack app manifest (published schema v1) and matches what the app does."""

import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# Shipped with the tests (with Slack's licence), so the validation runs on any clone, offline.
SCHEMA = REPO / "tests" / "data" / "slack-manifest-schema" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest():
    return yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))


def test_the_manifest_validates_against_slacks_published_schema(manifest):
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(manifest, schema)


def test_the_manifest_declares_the_ror_command_with_a_french_description_and_usage_hint(manifest):
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/ror"
    assert "Anomalies du ROR" in command["description"]
    assert "rechercher" in command["usage_hint"]


def test_the_manifest_asks_for_the_least_scopes_the_app_calls_for(manifest):
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "users:read",
        "users:read.email",
        "im:write",
        "files:write",
        # conversations.history, to find an unconfirmed digest before posting it again (issue 12 §6)
        "channels:history",
        "groups:history",
    }


def test_every_request_goes_to_one_endpoint_in_http_mode(manifest):
    urls = {
        manifest["features"]["slash_commands"][0]["url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
    }
    assert len(urls) == 1
    assert urls.pop().endswith("/slack/events")
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_the_app_home_and_its_event_are_enabled(manifest):
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
