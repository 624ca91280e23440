"""Slack mrkdwn escaping: user text can never ping @channel or forge a link."""


def escape(text: str | None) -> str:
    """Escape `&`, `<` and `>` (Slack's three control characters) in user-provided text."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def safe(text: str | None, limit: int) -> str:
    """Truncated then escaped user text; the escaped form may be longer than `limit` (≤ 5×)."""
    return escape(truncate(text or "", limit))
