"""The one place where an AnomalyFilter and a perimeter become SQL (listing, export, digests)."""

from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false

from domain.filters import AnomalyFilter
from domain.habilitation import Perimeter
from domain.text import fold
from storage.models import AnomalyRow

REFERENCE_DIGITS = 12


def reference_range(prefix: str) -> tuple[int, int]:
    """`ANO_1000` → the numbers whose 12 digits start with 1000, as [low, high)."""
    digits = prefix.removeprefix("ANO_")
    scale = 10 ** (REFERENCE_DIGITS - len(digits))
    low = int(digits or "0") * scale
    return low, low + scale


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(flt: AnomalyFilter, *, perimeter: Perimeter | None, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    row = AnomalyRow
    where: list[ColumnElement[bool]] = []
    if perimeter is not None and not perimeter.national:
        if not perimeter.regions:
            return [false()]
        where.append(row.region.in_(sorted(perimeter.regions)))
    if flt.regions:
        where.append(row.region.in_(sorted(flt.regions)))
    if flt.departements:
        where.append(row.departement.in_(sorted(flt.departements)))
    if flt.reference_prefix:
        low, high = reference_range(flt.reference_prefix)
        where.append(and_(row.number >= low, row.number < high))
    if flt.statuses:
        where.append(row.status.in_(sorted(s.value for s in flt.statuses)))
    if flt.kinds:
        where.append(row.kind.in_(sorted(k.value for k in flt.kinds)))
    if flt.name_contains:
        where.append(
            row.structure_name_folded.like(f"%{_escape_like(fold(flt.name_contains))}%", escape="\\")
        )
    if flt.resource_ids:
        where.append(row.resource_id.in_(sorted(flt.resource_ids)))
    if flt.data_items:
        where.append(row.data_item.in_(sorted(flt.data_items)))
    start, end = flt.modified_bounds(tz)
    if start is not None:
        where.append(row.updated_at >= start)
    if end is not None:
        where.append(row.updated_at < end)
    return where
