"""Text helpers shared by rules that compare what people type with what the ROR holds."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used for case and accent insensitive matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(without_marks.casefold().replace("’", "'").split())
