"""Slack mrkdwn escaping: user text can never ping @channel or forge a link, and never breaks a limit.

Escaping may make a text five times longer (`&` → `&amp;`), so limits apply to the escaped text, and a
cut never falls inside an entity (`&am…` would show as garbage, or swallow what follows)."""

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LONGEST_ENTITY = max(len(entity) for entity in _ENTITIES.values())
ELLIPSIS = "…"


def escape(text: str | None) -> str:
    """Escape `&`, `<` and `>` (Slack's three control characters) in user-provided text."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut (plain text, not mrkdwn)."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def safe(text: str | None, limit: int) -> str:
    """User text escaped for mrkdwn, at most `limit` characters once escaped: cut between two characters
    of the original text (never inside an entity), an ellipsis marking the cut."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    pieces: list[str] = []
    used = 0
    for char in text or "":
        piece = _ENTITIES.get(char, char)
        if used + len(piece) > limit - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces) + ELLIPSIS


def cut(mrkdwn: str, limit: int) -> str:
    """Already escaped mrkdwn cut to `limit` characters, backing off rather than splitting an entity."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    end = max(0, limit - 1)
    start = mrkdwn.rfind("&", max(0, end - _LONGEST_ENTITY + 1), end)
    if start != -1 and ";" not in mrkdwn[start:end]:
        end = start
    return mrkdwn[:end] + ELLIPSIS
