"""The playground: try the real app without a Slack workspace.

`start_playground` starts the fake Slack Web API (devtools.fake_slack) with a few demo people, seeds
the groups they need, and serves a page on 127.0.0.1 that behaves like a Slack client: every action
goes, signed, to the real app's `/slack/events`, and what the app sends back through the Web API and
response URLs shows on the page. `ror-bot run` uses it when no SLACK_BOT_TOKEN is set (or with
`--playground`); the app itself never imports it."""

from devtools.playground.launcher import Playground, start_playground

__all__ = ["Playground", "start_playground"]
