"""The Slack side of digests and notifications, plugged into the app by bot.app.EXTENSION_MODULES."""

from slack_bolt import App

from bot.listeners import recipients, subscriptions


def register(app: App) -> None:
    subscriptions.register(app)
    recipients.register(app)
