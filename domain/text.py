"""Text helpers shared by rules that compare what people type with what the ROR holds."""

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=16_384)  # pure, and called for the same labels and names over and over
def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used for case and accent insensitive matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(without_marks.casefold().replace("’", "'").split())
