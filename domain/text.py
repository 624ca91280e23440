"""Text helpers: the rules every stored text follows, and the folded form used to compare names.

Whatever people type or files carry ends up in the database, in Slack and in terminals. One rule for all
of it: trimmed, no longer than its column, and no control characters — no NUL (PostgreSQL refuses it),
no bidirectional overrides such as RLO (they make a text read differently than it is stored), no other
invisible formatting. Line breaks are kept only where a text may span several lines."""

import unicodedata
from functools import lru_cache

from domain.errors import InvalidText

# Invisible characters people legitimately paste: the joiner inside emoji sequences (👩‍⚕️).
_ALLOWED_FORMAT = frozenset("\u200d")
# Cc: controls (NUL, ESC, TAB…); Cf: formatting (RLO, LRI, ZWSP…); Cs: lone surrogates (no UTF-8 form).
_FORBIDDEN_CATEGORIES = frozenset(("Cc", "Cf", "Cs"))


@lru_cache(maxsize=16_384)  # pure, and called for the same labels and names over and over
def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used for case and accent insensitive matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(without_marks.casefold().replace("’", "'").split())


def forbidden_character(text: str, *, multiline: bool) -> str | None:
    """The first character of `text` no stored text may hold (`\\n` is allowed when `multiline`)."""
    # Fast path (most texts): printable means no Cc, Cf or Cs character at all (str.isprintable, in C).
    if (text.replace("\n", "") if multiline else text).isprintable():
        return None
    for char in text:
        if char == "\n" and multiline:
            continue
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES and char not in _ALLOWED_FORMAT:
            return char
    return None


def check_text(text: str, *, subject: str, max_length: int, multiline: bool = False) -> str:
    """`text` trimmed, Windows line breaks made `\\n`; InvalidText naming `subject` (« La description »,
    « Le nom du groupe ») when it is longer than `max_length` or holds a forbidden character.

    The length is checked first: a megabyte of text is refused without being scanned."""
    value = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(value) > max_length:
        raise InvalidText(f"{subject} compte {len(value)} caractères : {max_length} au plus.")
    char = forbidden_character(value, multiline=multiline)
    if char is not None:
        allowed = "seuls les retours à la ligne sont acceptés" if multiline else "retirez-le"
        raise InvalidText(
            f"{subject} contient un caractère de contrôle interdit (U+{ord(char):04X}) : {allowed}."
        )
    return value


def printable(text: str, limit: int = 80) -> str:
    """Untrusted text quoted in a message: forbidden characters shown as U+FFFD, cut to `limit` with an
    ellipsis, so a hostile value can neither hide in a one-line message nor swamp it."""
    shown = "".join(
        "\ufffd" if unicodedata.category(c) in _FORBIDDEN_CATEGORIES and c not in _ALLOWED_FORMAT else c
        for c in text[: limit + 1]
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
