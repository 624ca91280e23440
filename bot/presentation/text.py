"""Anomalies as plain text for a terminal or a notebook cell: the listing table and the detail."""

from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from bot.presentation.anomalies import (
    detail_fields,
    history_heading,
    history_line,
    list_columns,
    one_line,
    page_footer,
)
from domain.anomaly import Anomaly
from domain.ports import Page


def render_table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, max_width: int = 40) -> str:
    """A plain text table with aligned columns; cells are flattened to one line and cut at `max_width`."""
    cells = [[one_line(value, max_width) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(value)) for w, value in zip(widths, row, strict=True)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def render_listing(page: Page[Anomaly], tz: ZoneInfo) -> str:
    """The SPEC §4 columns for one page, then `page P/N — T anomalies`."""
    if not page.items:
        return f"Aucune anomalie ne correspond.\n{page_footer(page)}"
    columns = list_columns(tz)
    table = render_table(
        [header for header, _ in columns],
        ([value(anomaly) for _, value in columns] for anomaly in page.items),
    )
    return f"{table}\n{page_footer(page)}"


def render_detail(anomaly: Anomaly, tz: ZoneInfo) -> str:
    """Every field with its French label, then the history, oldest first, in `tz`."""
    fields = detail_fields(anomaly)
    width = max(len(label) for label, _ in fields)
    lines = []
    for label, value in fields:
        first, *rest = value.split("\n")
        lines.append(f"{label.ljust(width)} : {first}")
        lines += [" " * (width + 3) + more for more in rest]
    lines.append("")
    lines.append(f"{history_heading(tz)} :")
    lines += [f"  {history_line(entry, tz)}" for entry in anomaly.history]
    return "\n".join(lines)
